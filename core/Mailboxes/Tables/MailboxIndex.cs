using Azure;
using Azure.Data.Tables;
using MailCloud.Core.Mailboxes.Naming;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// Reads of the mailbox table (one partition per account). Writes go through the
/// <see cref="PartitionCommitter"/>, except the creation of a new account's rows here.
/// </summary>
internal sealed class MailboxIndex(TableClient table, TimeProvider clock)
{
    /// <summary>Table filters allow at most 15 comparisons; point lookups are grouped by that.</summary>
    private const int MaxKeysPerFilter = 14;

    /// <summary>UIDs closer than this are read with one range query rather than looked up.</summary>
    private const uint RangeGap = 64;

    private static readonly (string Name, SpecialUse Use)[] DefaultFolders =
    [
        (FolderName.Inbox, SpecialUse.Inbox),
        ("Sent", SpecialUse.Sent),
        ("Drafts", SpecialUse.Drafts),
        ("Trash", SpecialUse.Trash),
        ("Junk", SpecialUse.Junk),
        ("Archive", SpecialUse.Archive),
    ];

    public TableClient Table { get; } = table;

    /// <summary>
    /// The account row, every subscription and every folder row, in one query. A new account gets its account
    /// row and the special-use folders, subscribed, in one transaction (RFC 6154), raced safely by Add.
    /// </summary>
    public async Task<PartitionState> ReadHeaderAsync(string accountId, CancellationToken cancellationToken)
    {
        for (; ;)
        {
            var rows = new List<TableEntity>();
            await foreach (var entity in Table.QueryAsync<TableEntity>(MailboxKeys.RangeFilter(accountId, MailboxKeys.HeaderRangeStart, MailboxKeys.HeaderRangeEnd), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(entity);
            }

            if (PartitionState.From(rows) is { } state)
            {
                return state;
            }

            try
            {
                await Table.SubmitTransactionAsync(NewAccount(accountId), cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                // Another instance created it first: read theirs.
            }
        }
    }

    public async Task<AccountRow?> ReadAccountAsync(string accountId, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(accountId, MailboxKeys.Account, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue)
        {
            return null;
        }

        // A row without the message count needs the folder rows to derive it (see AccountRow.From).
        return AccountRow.HasMessageCount(response.Value!)
            ? AccountRow.From(response.Value!, [])
            : (await ReadHeaderAsync(accountId, cancellationToken).ConfigureAwait(false)).Account;
    }

    /// <summary>
    /// A folder's message rows, ascending by UID; with <paramref name="sinceModSeq"/> only those
    /// whose MODSEQ is higher (one filtered range query: rows changed since a known point).
    /// </summary>
    public async Task<List<MessageRow>> QueryMessagesAsync(string accountId, string folderId, ulong? sinceModSeq, CancellationToken cancellationToken)
    {
        var prefix = MailboxKeys.MessagesOf(folderId);
        var filter = MailboxKeys.RangeFilter(accountId, prefix, MailboxKeys.RangeEnd(prefix));
        if (sinceModSeq is { } modSeq)
        {
            filter += $" and ModSeq gt {(long)modSeq}L";
        }

        var rows = new List<MessageRow>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(MessageRow.From(entity));
        }

        return rows;
    }

    /// <summary>The rows of the given UIDs that exist, ascending: one range query per cluster of close UIDs, lookups for lone ones.</summary>
    public async Task<List<MessageRow>> ReadMessagesAsync(string accountId, string folderId, IEnumerable<uint> uids, CancellationToken cancellationToken)
    {
        var wanted = uids.Distinct().Order().ToList();
        var filters = new List<string>();
        var singles = new List<uint>();
        for (var i = 0; i < wanted.Count;)
        {
            var j = i;
            while (j + 1 < wanted.Count && wanted[j + 1] - wanted[j] <= RangeGap)
            {
                j++;
            }

            if (j == i)
            {
                singles.Add(wanted[i]);
            }
            else
            {
                filters.Add(MailboxKeys.RangeFilter(accountId, MailboxKeys.Message(folderId, wanted[i]), MailboxKeys.Message(folderId, wanted[j]) + "~"));
            }

            i = j + 1;
        }

        filters.AddRange(singles.Chunk(MaxKeysPerFilter).Select(chunk =>
            $"PartitionKey eq '{accountId}' and (" + string.Join(" or ", chunk.Select(uid => $"RowKey eq '{MailboxKeys.Message(folderId, uid)}'")) + ")"));

        var set = new HashSet<uint>(wanted);
        var rows = new List<MessageRow>();
        foreach (var filter in filters)
        {
            await foreach (var entity in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var row = MessageRow.From(entity);
                if (set.Contains(row.Uid))
                {
                    rows.Add(row);
                }
            }
        }

        rows.Sort((a, b) => a.Uid.CompareTo(b.Uid));
        return rows;
    }

    public async Task<MessageRow?> ReadMessageAsync(string accountId, string folderId, uint uid, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(accountId, MailboxKeys.Message(folderId, uid), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? MessageRow.From(response.Value!) : null;
    }

    /// <summary>
    /// A folder's expunge tombstones with a MODSEQ above <paramref name="afterModSeq"/>, ascending by
    /// MODSEQ (one range query; the keys sort by it); at most <paramref name="take"/> when given.
    /// </summary>
    public async Task<List<TombstoneRow>> QueryTombstonesAsync(string accountId, string folderId, ulong afterModSeq, int? take, CancellationToken cancellationToken)
    {
        var prefix = MailboxKeys.TombstonesOf(folderId);
        var start = afterModSeq == ulong.MaxValue ? MailboxKeys.RangeEnd(prefix) : MailboxKeys.Tombstone(folderId, afterModSeq + 1);
        var rows = new List<TombstoneRow>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(MailboxKeys.RangeFilter(accountId, start, MailboxKeys.RangeEnd(prefix)), maxPerPage: take, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(TombstoneRow.From(entity));
            if (rows.Count == take)
            {
                break;
            }
        }

        return rows;
    }

    /// <summary>One folder row by id (a point read), or null when the folder is gone.</summary>
    public async Task<FolderRow?> ReadFolderRowAsync(string accountId, string folderId, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(accountId, MailboxKeys.Folder(folderId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? FolderRow.From(response.Value!) : null;
    }

    /// <summary>The UID a delivery was stored under, or null when it never was.</summary>
    public async Task<uint?> ReadMarkerAsync(string accountId, string folderId, string idempotencyKey, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(accountId, MailboxKeys.Marker(folderId, idempotencyKey), cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? (uint?)(response.Value!.GetInt64(MarkerUid) ?? 0) : null;
    }

    public const string MarkerUid = "Uid";

    public static TableEntity Marker(string accountId, string folderId, string idempotencyKey, uint uid) =>
        new(accountId, MailboxKeys.Marker(folderId, idempotencyKey)) { [MarkerUid] = (long)uid };

    /// <summary>
    /// A new account's rows. UIDVALIDITY starts from the clock (as Dovecot does), so an account
    /// whose rows were ever lost and recreated can never reuse an old UIDVALIDITY.
    /// </summary>
    private List<TableTransactionAction> NewAccount(string accountId)
    {
        var account = new AccountRow
        {
            NextUidValidity = (uint)Math.Clamp(clock.GetUtcNow().ToUnixTimeSeconds(), 1, uint.MaxValue / 2),
            FolderCount = DefaultFolders.Length,
        };
        var actions = new List<TableTransactionAction>();
        foreach (var (name, use) in DefaultFolders)
        {
            var folder = new FolderRow { FolderId = MailboxKeys.NewFolderId(), Name = name, UidValidity = account.NextUidValidity++, SpecialUse = use };
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, folder.ToEntity(accountId)));
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, SubscriptionRow.ToEntity(accountId, name)));
        }

        actions.Add(new TableTransactionAction(TableTransactionActionType.Add, account.ToEntity(accountId)));
        return actions;
    }
}
