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
    bool Subscribed);

/// <summary>
/// A folder's counters at one moment. <see cref="ChangeToken"/> changes whenever anything in
/// the folder changes (new message, flags, expunge), and is cheap to read.
/// </summary>
public sealed record FolderStatus(
    string Name,
    uint UidValidity,
    uint UidNext,
    ulong HighestModSeq,
    int MessageCount,
    long TotalSize,
    string ChangeToken);

/// <summary>One message as listed in a folder: everything IMAP needs without opening the message blob.</summary>
public sealed record MessageSummary(
    uint Uid,
    MessageFlags Flags,
    DateTimeOffset InternalDate,
    long Size,
    ulong ModSeq);

/// <summary>
/// A folder's full message list at one change token, ascending by UID. Cheap to keep in memory
/// (the gateway caches it per token) and valid for 100,000 messages.
/// </summary>
public sealed record FolderSnapshot(FolderStatus Status, IReadOnlyList<MessageSummary> Messages);

public sealed record AppendResult(uint UidValidity, uint Uid, bool AlreadyDelivered);

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
