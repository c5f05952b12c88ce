using Azure.Data.Tables;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// An account's header rows as last read or committed: the account row and every folder row, with their
/// ETags, and (as read; the committer's copy after a commit has none) the subscription rows.
/// </summary>
internal sealed class PartitionState(AccountRow account, IReadOnlyList<FolderRow> folders, IReadOnlyList<SubscriptionRow>? subscriptions = null)
{
    public AccountRow Account { get; } = account;

    public IReadOnlyList<FolderRow> Folders { get; } = folders;

    public IReadOnlyList<SubscriptionRow> Subscriptions { get; } = subscriptions ?? [];

    /// <summary>The subscribed names: the subscription rows and the folders still carrying the older Subscribed flag.</summary>
    public ISet<string> SubscribedNames() =>
        Subscriptions.Select(s => s.Name).Concat(Folders.Where(f => f.Subscribed).Select(f => f.Name)).ToHashSet(StringComparer.Ordinal);

    public FolderRow? FindFolder(string normalizedName) => Folders.FirstOrDefault(f => f.Name == normalizedName);

    /// <summary>The state in the rows of one query of the header range; null when the account row does not exist yet.</summary>
    public static PartitionState? From(IEnumerable<TableEntity> entities)
    {
        TableEntity? account = null;
        var folders = new List<FolderRow>();
        var subscriptions = new List<SubscriptionRow>();
        foreach (var entity in entities)
        {
            if (entity.RowKey == MailboxKeys.Account)
            {
                account = entity;
            }
            else if (MailboxKeys.IsFolder(entity.RowKey))
            {
                folders.Add(FolderRow.From(entity));
            }
            else if (MailboxKeys.IsSubscription(entity.RowKey))
            {
                subscriptions.Add(SubscriptionRow.From(entity));
            }
        }

        return account is null ? null : new PartitionState(AccountRow.From(account, folders), folders, subscriptions);
    }
}
