namespace MailCloud.Core.Mailboxes;

/// <summary>IMAP system flags (RFC 9051 §2.3.2). \Recent is not stored (IMAP4rev2 drops it).</summary>
[Flags]
public enum SystemFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
}

/// <summary>A message's flags: system flags plus keywords (atoms such as $Forwarded or $Junk).</summary>
public sealed record MessageFlags(SystemFlags System, IReadOnlySet<string> Keywords)
{
    public static MessageFlags Empty { get; } = new(SystemFlags.None, new HashSet<string>(StringComparer.OrdinalIgnoreCase));

    public bool Has(SystemFlags flag) => (System & flag) == flag;
}

/// <summary>Special-use attributes (RFC 6154).</summary>
public enum SpecialUse
{
    None,
    Inbox,
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}

/// <summary>A folder of one account. <see cref="Name"/> is the full UTF-8 name with "/" as the hierarchy delimiter.</summary>
public sealed record FolderInfo(
    string Name,
    uint UidValidity,
    SpecialUse SpecialUse,
    bool Subscribed)
{
    /// <summary>The folder's generated id: kept by RENAME, new for a folder created again under an old name.</summary>
    public string FolderId { get; init; } = "";
}

/// <summary>
/// A folder's counters at one moment, from its folder row. <see cref="ChangeToken"/> (the row's
/// ETag) changes whenever anything in the folder changes (new message, flags, expunge), and
/// HIGHESTMODSEQ rises with every change, so either serves to ask "what changed since".
/// </summary>
public sealed record FolderStatus(
    string Name,
    uint UidValidity,
    uint UidNext,
    ulong HighestModSeq,
    int MessageCount,
    long TotalSize,
    string ChangeToken)
{
    /// <summary>Messages without \Seen (STATUS UNSEEN without a listing).</summary>
    public int UnseenCount { get; init; }

    /// <summary>
    /// Messages from this UID on are \Recent: no session has claimed them yet (RFC 3501 §2.3.2,
    /// <see cref="IMailboxStore.ClaimRecentAsync"/>). At or above <see cref="UidNext"/> when none is.
    /// </summary>
    public uint FirstRecentUid { get; init; } = 1;

    /// <summary>The folder's generated id (<see cref="FolderInfo.FolderId"/>).</summary>
    public string FolderId { get; init; } = "";

    /// <summary>
    /// The lowest MODSEQ since which the store knows every expunge of the folder (its tombstones go
    /// back that far): <see cref="IMailboxStore.GetChangesAsync"/> from here on names what vanished exactly.
    /// </summary>
    public ulong VanishedFloor { get; init; }
}

/// <summary>Where a message's bytes are: a blob of the storage account, never rewritten.</summary>
public sealed record MessageBlobReference(string Container, string Name);

/// <summary>
/// The header fields SEARCH looks at, as captured at append (unfolded, RFC 2047 decoded). A value
/// longer than the row can hold is cut, and <see cref="Truncated"/> says so: a search must then
/// open the message to be exact.
/// </summary>
public sealed record SearchHeaders(string? From, string? To, string? Cc, string? Bcc, string? Subject, string? Date, string? MessageId, bool Truncated)
{
    /// <summary>In-Reply-To as written (THREAD=REFERENCES, RFC 5256 §3); null when absent, and for rows captured before it was kept.</summary>
    public string? InReplyTo { get; init; }

    /// <summary>References as written, unfolded; null as <see cref="InReplyTo"/>.</summary>
    public string? References { get; init; }

    public int TotalLength => (From?.Length ?? 0) + (To?.Length ?? 0) + (Cc?.Length ?? 0) + (Bcc?.Length ?? 0)
        + (Subject?.Length ?? 0) + (Date?.Length ?? 0) + (MessageId?.Length ?? 0) + (InReplyTo?.Length ?? 0) + (References?.Length ?? 0);
}

/// <summary>One message as listed in a folder: everything IMAP needs without opening the message blob.</summary>
public sealed record MessageSummary(
    uint Uid,
    MessageFlags Flags,
    DateTimeOffset InternalDate,
    long Size,
    ulong ModSeq)
{
    /// <summary>Where the bytes are; <see cref="IMailboxStore.OpenMessageAsync(MessageSummary, long, long?, CancellationToken)"/> reads them directly.</summary>
    public MessageBlobReference? Blob { get; init; }

    /// <summary>
    /// Bytes kept in the row that come before the blob's (the trace fields a delivery adds to an
    /// accepted message it references); <see cref="Size"/> counts both.
    /// </summary>
    public ReadOnlyMemory<byte> Prefix { get; init; }

    /// <summary>Header fields for SEARCH; null when the message had no parsable header.</summary>
    public SearchHeaders? Headers { get; init; }
}

/// <summary>
/// A folder's full message list, ascending by UID, read after <see cref="Status"/>: every
/// message committed before the status read is in it, and later ones may be too (the status
/// is then raised to cover them), so a change token taken from it is never newer than the list.
/// </summary>
public sealed record FolderSnapshot(FolderStatus Status, IReadOnlyList<MessageSummary> Messages);

/// <summary>
/// The messages of a folder added or changed (flags) after a MODSEQ, ascending by UID, with the
/// folder's status read before them, and the UIDs expunged after that MODSEQ (ascending) from the
/// folder's tombstones. <see cref="VanishedExact"/> is false when the MODSEQ lies below the
/// tombstones' reach (<see cref="FolderStatus.VanishedFloor"/>): <see cref="Vanished"/> may then miss
/// some, and a reader compares UIDs against a listing instead (RFC 7162 §3.2.5.2).
/// </summary>
public sealed record FolderChanges(FolderStatus Status, IReadOnlyList<MessageSummary> Changed)
{
    public IReadOnlyList<uint> Vanished { get; init; } = [];

    public bool VanishedExact { get; init; }
}

/// <summary>
/// A message already in Blob Storage, as accepted into the spool, for a delivery that references
/// its bytes instead of copying them.
/// </summary>
/// <param name="SpoolBlob">The spool blob's name.</param>
/// <param name="Size">The spool blob's size in bytes.</param>
/// <param name="Prefix">Header lines stored in the row, ahead of the blob's bytes (Return-Path, Delivered-To).</param>
/// <param name="Head">The blob's first bytes (its header section, or the first 64 KiB of it), for the index's search fields.</param>
public sealed record AcceptedMessage(string SpoolBlob, long Size, ReadOnlyMemory<byte> Prefix, ReadOnlyMemory<byte> Head);

/// <summary>The UIDs a session claimed as \Recent: <see cref="First"/> up to, not including, <see cref="End"/> (empty when equal).</summary>
public readonly record struct RecentClaim(uint First, uint End);

public sealed record AppendResult(uint UidValidity, uint Uid, bool AlreadyDelivered);

/// <summary>One message of an <see cref="IMailboxStore.AppendManyAsync"/>: its bytes, flags and internal date.</summary>
public sealed record AppendMessage(Stream Content, MessageFlags Flags, DateTimeOffset InternalDate)
{
    /// <summary>
    /// As a delivery's key: a message whose key the folder has seen before is not stored again (an
    /// import that resumes after an interruption). Characters allowed in a table row key only.
    /// </summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>
/// The UIDs an <see cref="IMailboxStore.AppendManyAsync"/> gave its messages, in order (consecutive
/// for those it stored; a message whose idempotency key was seen before has the UID it got then).
/// </summary>
public sealed record AppendManyResult(uint UidValidity, IReadOnlyList<uint> Uids)
{
    /// <summary>How many of the messages were stored before, by an earlier call with their keys.</summary>
    public int AlreadyStored { get; init; }
}

public enum FlagChangeMode
{
    Add,
    Remove,
    Replace,
}

/// <summary>Result of a STORE: the messages changed (with new modseq), and, for UNCHANGEDSINCE, the ones that failed the test.</summary>
public sealed record StoreFlagsResult(IReadOnlyList<MessageSummary> Changed, IReadOnlyList<uint> FailedUnchangedSince);

/// <summary>UIDPLUS (RFC 4315) COPYUID data: source UIDs mapped to new UIDs in the destination.</summary>
public sealed record CopyResult(uint DestinationUidValidity, IReadOnlyList<(uint SourceUid, uint DestinationUid)> Mapping);

public sealed record QuotaUsage(long UsedBytes, long MessageCount);

/// <summary>An account's storage limit, checked inside each change's transaction; 0 means none.</summary>
public readonly record struct MailboxQuota(long MaxBytes)
{
    public static MailboxQuota Unlimited => default;

    public bool Allows(long usedBytes) => MaxBytes <= 0 || usedBytes <= MaxBytes;
}
