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

    /// <summary>Messages in all folders (RFC 9208 MESSAGE), kept by every change that adds or removes message rows, as <see cref="UsedBytes"/> is.</summary>
    public long MessageCount { get; set; }

    public int FolderCount { get; set; }
    public uint NextUidValidity { get; set; }
    public ETag ETag { get; set; }

    public QuotaUsage Usage => new(UsedBytes, MessageCount);

    public AccountRow Clone() => (AccountRow)MemberwiseClone();

    /// <summary>Whether the stored row carries the message count; see <see cref="From(TableEntity, IEnumerable{FolderRow})"/> for one that does not.</summary>
    public static bool HasMessageCount(TableEntity entity) => entity.GetInt64(nameof(MessageCount)) is not null;

    /// <summary>
    /// The row as stored. Every row this store writes carries the message count; one that does not (written
    /// by an older or another writer) takes it from <paramref name="folders"/>, the folder rows the same
    /// header query read. Why from them and not by listing messages: each folder
    /// row's count changes in the very transactions that change the account row, so their sum is exact
    /// and costs no request (a commit on a stale mix fails its If-Match on this row and re-reads). The
    /// next change that writes this row stores the count, so the derivation happens only until then.
    /// </summary>
    public static AccountRow From(TableEntity entity, IEnumerable<FolderRow> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        return new()
        {
            UsedBytes = entity.GetInt64(nameof(UsedBytes)) ?? 0,
            MessageCount = entity.GetInt64(nameof(MessageCount)) ?? folders.Sum(f => (long)f.MessageCount),
            FolderCount = entity.GetInt32(nameof(FolderCount)) ?? 0,
            NextUidValidity = (uint)(entity.GetInt64(nameof(NextUidValidity)) ?? 1),
            ETag = entity.ETag,
        };
    }

    public TableEntity ToEntity(string accountId) => new(accountId, MailboxKeys.Account)
    {
        [nameof(UsedBytes)] = UsedBytes,
        [nameof(MessageCount)] = MessageCount,
        [nameof(FolderCount)] = FolderCount,
        [nameof(NextUidValidity)] = (long)NextUidValidity,
        ETag = ETag,
    };
}
