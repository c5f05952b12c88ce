using Azure.Data.Tables;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>An account's header rows as last read or committed: the account row and every folder row, with their ETags.</summary>
internal sealed class PartitionState(AccountRow account, IReadOnlyList<FolderRow> folders)
{
    public AccountRow Account { get; } = account;

    public IReadOnlyList<FolderRow> Folders { get; } = folders;

    public FolderRow? FindFolder(string normalizedName) => Folders.FirstOrDefault(f => f.Name == normalizedName);

    /// <summary>The state in the rows of one query of the header range; null when the account row does not exist yet.</summary>
    public static PartitionState? From(IEnumerable<TableEntity> entities)
    {
        AccountRow? account = null;
        var folders = new List<FolderRow>();
        foreach (var entity in entities)
        {
            if (entity.RowKey == MailboxKeys.Account)
            {
                account = AccountRow.From(entity);
            }
            else if (MailboxKeys.IsFolder(entity.RowKey))
            {
                folders.Add(FolderRow.From(entity));
            }
        }

        return account is null ? null : new PartitionState(account, folders);
    }
}
