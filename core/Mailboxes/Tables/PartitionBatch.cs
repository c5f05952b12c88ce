using Azure;
using Azure.Data.Tables;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// The working set of one entity group transaction on an account's partition: copies of the
/// account and folder rows that the combined changes move, plus each change's own rows
/// (messages, markers). Shared rows go in once, with If-Match on the ETag they were read with,
/// whatever number of changes touched them. A change that throws is rolled back out of the
/// batch (<see cref="Save"/>/<see cref="Restore"/>) and fails alone.
/// </summary>
internal sealed class PartitionBatch
{
    private readonly string _accountId;
    private readonly List<(TableTransactionAction Action, object Owner)> _rows = [];
    private Dictionary<string, FolderRow> _folders;
    private HashSet<string> _touched = [];
    private HashSet<string> _inserted = [];
    private HashSet<string> _deleted = [];
    private bool _accountTouched;

    public PartitionBatch(string accountId, PartitionState state)
    {
        _accountId = accountId;
        Account = state.Account.Clone();
        _folders = state.Folders.ToDictionary(f => f.FolderId, f => f.Clone());
    }

    public string AccountId => _accountId;

    /// <summary>The change whose rows are being added (set by the committer).</summary>
    public object? Owner { get; set; }

    public AccountRow Account { get; private set; }

    public IEnumerable<FolderRow> Folders => _folders.Values.Where(f => !_deleted.Contains(f.FolderId));

    /// <summary>Rows in the transaction so far, shared rows included.</summary>
    public int EntityCount => _rows.Count + SharedCount;

    public FolderRow? FindFolder(string normalizedName) => Folders.FirstOrDefault(f => f.Name == normalizedName);

    public FolderRow Folder(string normalizedName) => FindFolder(normalizedName) ?? throw new FolderNotFoundException(normalizedName);

    /// <summary>The folder with this id, if it still exists (its name may have changed).</summary>
    public FolderRow? FolderById(string folderId) =>
        _folders.TryGetValue(folderId, out var folder) && !_deleted.Contains(folderId) ? folder : null;

    /// <summary>Puts the folder row in the transaction (update with If-Match); call before changing it.</summary>
    public FolderRow Touch(FolderRow folder)
    {
        if (!_inserted.Contains(folder.FolderId))
        {
            _touched.Add(folder.FolderId);
        }

        return folder;
    }

    public AccountRow TouchAccount()
    {
        _accountTouched = true;
        return Account;
    }

    public void InsertFolder(FolderRow folder)
    {
        _folders.Add(folder.FolderId, folder);
        _inserted.Add(folder.FolderId);
    }

    public void DeleteFolder(FolderRow folder)
    {
        _touched.Remove(folder.FolderId);
        if (_inserted.Remove(folder.FolderId))
        {
            _folders.Remove(folder.FolderId);
        }
        else
        {
            _deleted.Add(folder.FolderId);
        }
    }

    /// <summary>Adds one of the current change's own rows (a message or marker).</summary>
    public void Add(TableTransactionActionType type, TableEntity entity) =>
        _rows.Add((new TableTransactionAction(type, entity, entity.ETag), Owner ?? throw new InvalidOperationException("No change owns this row.")));

    public Savepoint Save() => new(
        Account.Clone(),
        _folders.ToDictionary(p => p.Key, p => p.Value.Clone()),
        [.. _touched],
        [.. _inserted],
        [.. _deleted],
        _accountTouched,
        _rows.Count);

    public void Restore(Savepoint savepoint)
    {
        Account = savepoint.Account;
        _folders = savepoint.Folders;
        _touched = savepoint.Touched;
        _inserted = savepoint.Inserted;
        _deleted = savepoint.Deleted;
        _accountTouched = savepoint.AccountTouched;
        _rows.RemoveRange(savepoint.RowCount, _rows.Count - savepoint.RowCount);
    }

    /// <summary>
    /// The transaction's actions: the shared rows first, then the changes' own rows in order. The
    /// service reports the first action it refuses, so a stale shared row (another instance
    /// committed) is always told apart from a refused row of one change.
    /// </summary>
    public IReadOnlyList<TableTransactionAction> Build()
    {
        var actions = new List<TableTransactionAction>(EntityCount);
        foreach (var id in _touched)
        {
            var entity = _folders[id].ToEntity(_accountId);
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, entity.ETag));
        }

        foreach (var id in _inserted)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, _folders[id].ToEntity(_accountId)));
        }

        foreach (var id in _deleted)
        {
            var entity = _folders[id].ToEntity(_accountId);
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, entity, entity.ETag));
        }

        if (_accountTouched)
        {
            var entity = Account.ToEntity(_accountId);
            actions.Add(new TableTransactionAction(
                Account.ETag == default ? TableTransactionActionType.Add : TableTransactionActionType.UpdateReplace, entity, entity.ETag));
        }

        actions.AddRange(_rows.Select(r => r.Action));
        return actions;
    }

    private int SharedCount => _touched.Count + _inserted.Count + _deleted.Count + (_accountTouched ? 1 : 0);

    /// <summary>The change that owns the action at <paramref name="index"/>; null for a shared row.</summary>
    public object? OwnerAt(int index) => index >= SharedCount && index - SharedCount < _rows.Count ? _rows[index - SharedCount].Owner : null;

    /// <summary>
    /// The partition state after this transaction committed, with the new ETags from its
    /// responses (in action order); null when a response lacks one (the next change re-reads).
    /// </summary>
    public PartitionState? Committed(IReadOnlyList<Response> responses)
    {
        var index = 0;
        ETag? Next() => index < responses.Count && responses[index++].Headers.ETag is { } etag ? etag : null;

        foreach (var id in _touched.Concat(_inserted))
        {
            if (Next() is not { } etag)
            {
                return null;
            }

            _folders[id].ETag = etag;
        }

        index += _deleted.Count;
        if (_accountTouched)
        {
            if (Next() is not { } etag)
            {
                return null;
            }

            Account.ETag = etag;
        }

        return new PartitionState(Account, [.. Folders]);
    }

    internal sealed record Savepoint(
        AccountRow Account,
        Dictionary<string, FolderRow> Folders,
        HashSet<string> Touched,
        HashSet<string> Inserted,
        HashSet<string> Deleted,
        bool AccountTouched,
        int RowCount);
}
