using Azure;
using Azure.Data.Tables;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// A folder's row (<c>F:&lt;folderId&gt;</c>): its name (a property, never a key), UIDVALIDITY and the
/// counters every change moves. Every change to the folder's messages includes it with If-Match,
/// so a 412 on it means another writer committed first.
/// </summary>
internal sealed class FolderRow
{
    public required string FolderId { get; init; }
    public required string Name { get; set; }
    public uint UidValidity { get; set; }
    public uint UidNext { get; set; } = 1;
    public ulong HighestModSeq { get; set; } = 1;
    public int MessageCount { get; set; }
    public int UnseenCount { get; set; }
    public long TotalSize { get; set; }
    public SpecialUse SpecialUse { get; set; }

    /// <summary>The older place of a subscription (see <see cref="SubscriptionRow"/>): read, and cleared when it becomes a row; never set.</summary>
    public bool Subscribed { get; set; }

    /// <summary>The lowest UID no IMAP session has yet claimed as \Recent (RFC 3501 §2.3.2); 1 for a new folder.</summary>
    public uint FirstRecentUid { get; set; } = 1;

    /// <summary>
    /// The lowest MODSEQ from which the folder's tombstones name every expunge: what vanished after it is
    /// known exactly; before it, a reader can only compare UIDs (RFC 7162 §3.2.5.2). 0 for a folder created
    /// with tombstones. A row written before tombstones existed reads as its HIGHESTMODSEQ then (migration
    /// on read: expunges of the older code left no trace), kept by the next write of the row.
    /// </summary>
    public ulong VanishedFloor { get; set; }

    /// <summary>Tombstone rows the folder keeps; above the store's limit the oldest are pruned and the floor raised.</summary>
    public int TombstoneCount { get; set; }

    public ETag ETag { get; set; }

    public FolderRow Clone() => (FolderRow)MemberwiseClone();

    public FolderInfo ToInfo() => new(Name, UidValidity, SpecialUse, Subscribed) { FolderId = FolderId };

    public FolderStatus ToStatus() =>
        new(Name, UidValidity, UidNext, HighestModSeq, MessageCount, TotalSize, ETag.ToString()) { UnseenCount = UnseenCount, FirstRecentUid = FirstRecentUid, FolderId = FolderId, VanishedFloor = VanishedFloor };

    /// <summary>Counts a message in (or, with <paramref name="sign"/> -1, out of) the folder.</summary>
    public void Count(MessageRow message, int sign)
    {
        MessageCount += sign;
        TotalSize += sign * message.Size;
        if (!message.Flags.Has(SystemFlags.Seen))
        {
            UnseenCount += sign;
        }
    }

    public static FolderRow From(TableEntity entity)
    {
        var highestModSeq = (ulong)(entity.GetInt64(nameof(HighestModSeq)) ?? 1);
        return new()
        {
            FolderId = MailboxKeys.FolderIdOf(entity.RowKey),
            Name = entity.GetString(nameof(Name)) ?? throw new InvalidDataException($"Folder row {entity.RowKey} has no name."),
            UidValidity = (uint)(entity.GetInt64(nameof(UidValidity)) ?? 0),
            UidNext = (uint)(entity.GetInt64(nameof(UidNext)) ?? 1),
            HighestModSeq = highestModSeq,
            MessageCount = entity.GetInt32(nameof(MessageCount)) ?? 0,
            UnseenCount = entity.GetInt32(nameof(UnseenCount)) ?? 0,
            TotalSize = entity.GetInt64(nameof(TotalSize)) ?? 0,
            SpecialUse = Enum.TryParse<SpecialUse>(entity.GetString(nameof(SpecialUse)), out var use) ? use : SpecialUse.None,
            Subscribed = entity.GetBoolean(nameof(Subscribed)) ?? false,
            FirstRecentUid = (uint)(entity.GetInt64(nameof(FirstRecentUid)) ?? 1),
            VanishedFloor = (ulong)(entity.GetInt64(nameof(VanishedFloor)) ?? (long)highestModSeq),
            TombstoneCount = entity.GetInt32(nameof(TombstoneCount)) ?? 0,
            ETag = entity.ETag,
        };
    }

    public TableEntity ToEntity(string accountId) => new(accountId, MailboxKeys.Folder(FolderId))
    {
        [nameof(Name)] = Name,
        [nameof(UidValidity)] = (long)UidValidity,
        [nameof(UidNext)] = (long)UidNext,
        [nameof(HighestModSeq)] = (long)HighestModSeq,
        [nameof(MessageCount)] = MessageCount,
        [nameof(UnseenCount)] = UnseenCount,
        [nameof(TotalSize)] = TotalSize,
        [nameof(SpecialUse)] = SpecialUse.ToString(),
        [nameof(Subscribed)] = Subscribed,
        [nameof(FirstRecentUid)] = (long)FirstRecentUid,
        [nameof(VanishedFloor)] = (long)VanishedFloor,
        [nameof(TombstoneCount)] = TombstoneCount,
        ETag = ETag,
    };
}
