using Azure;
using Azure.Data.Tables;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// The account row (<see cref="MailboxKeys.Account"/>): quota usage and folder count, and the
/// counter that hands out UIDVALIDITY values. Every change that alters usage or the number of
/// folders carries it with If-Match, so usage is exact and checked inside the change's transaction.
/// </summary>
internal sealed class AccountRow
{
    public long UsedBytes { get; set; }
    public long MessageCount { get; set; }
    public int FolderCount { get; set; }
    public uint NextUidValidity { get; set; }
    public ETag ETag { get; set; }

    public AccountRow Clone() => (AccountRow)MemberwiseClone();

    public static AccountRow From(TableEntity entity) => new()
    {
        UsedBytes = entity.GetInt64(nameof(UsedBytes)) ?? 0,
        MessageCount = entity.GetInt64(nameof(MessageCount)) ?? 0,
        FolderCount = entity.GetInt32(nameof(FolderCount)) ?? 0,
        NextUidValidity = (uint)(entity.GetInt64(nameof(NextUidValidity)) ?? 1),
        ETag = entity.ETag,
    };

    public TableEntity ToEntity(string accountId) => new(accountId, MailboxKeys.Account)
    {
        [nameof(UsedBytes)] = UsedBytes,
        [nameof(MessageCount)] = MessageCount,
        [nameof(FolderCount)] = FolderCount,
        [nameof(NextUidValidity)] = (long)NextUidValidity,
        ETag = ETag,
    };
}
