namespace MailCloud.Core.Mailboxes;

/// <summary>
/// The mailboxes of all accounts: the index in Azure Table Storage (one partition per account),
/// message bytes in Blob Storage. Accounts are addressed by their directory <c>Account.Id</c>;
/// folders by their UTF-8 name ("INBOX" matches case-insensitively). Every change is one entity
/// group transaction (or, for many messages, a few), safe under concurrent use from many
/// processes: UIDs are unique and strictly ascending per folder, MODSEQ strictly increases, and
/// a delivery's cost does not depend on the folder's size.
/// Unknown folders throw <see cref="FolderNotFoundException"/>; invalid names throw
/// <see cref="InvalidFolderNameException"/>; storage trouble throws
/// <see cref="MailboxStoreUnavailableException"/> and nothing else from the storage SDK.
/// </summary>
public interface IMailboxStore
{
    /// <summary>Lists folders, creating INBOX, Sent, Drafts, Trash, Junk and Archive on first use.</summary>
    Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a folder, with <paramref name="specialUse"/> (RFC 6154 §3; not <see cref="SpecialUse.Inbox"/>), and
    /// missing superiors (without one); over the folder cap throws <see cref="FolderLimitExceededException"/>.
    /// </summary>
    Task<FolderInfo> CreateFolderAsync(string accountId, string name, SpecialUse specialUse, CancellationToken cancellationToken);

    /// <summary>Creates a folder with no special use.</summary>
    Task<FolderInfo> CreateFolderAsync(string accountId, string name, CancellationToken cancellationToken) =>
        CreateFolderAsync(accountId, name, SpecialUse.None, cancellationToken);

    /// <summary>Renames a folder and its children. Renaming INBOX moves its messages to the new folder (RFC 9051 §6.3.6).</summary>
    Task RenameFolderAsync(string accountId, string oldName, string newName, CancellationToken cancellationToken);

    Task DeleteFolderAsync(string accountId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Subscribes an existing folder's name, or unsubscribes any name (RFC 9051 §6.3.7). Subscriptions are
    /// names, kept apart from the folders: DELETE and RENAME leave them where they are.
    /// </summary>
    Task SetSubscribedAsync(string accountId, string name, bool subscribed, CancellationToken cancellationToken);

    /// <summary>Every subscribed name, ascending, whether a folder has it or not (LSUB, LIST (SUBSCRIBED) \NonExistent, RFC 5258 §3).</summary>
    Task<IReadOnlyList<string>> ListSubscriptionsAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>Counters and change token from the folder row; one small query.</summary>
    Task<FolderStatus> GetStatusAsync(string accountId, string folder, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the folder's unclaimed messages as \Recent for one IMAP4rev1 session (RFC 3501 §2.3.2:
    /// a message is recent in exactly one session, the first to select the folder after it arrived):
    /// moves the folder row's first-recent UID up to UIDNEXT with If-Match, so two sessions never
    /// get the same UIDs. <paramref name="knownUidNext"/> is the UIDNEXT the caller has seen, so a
    /// cached folder row older than that is read again. Writes nothing when there is nothing to claim.
    /// </summary>
    Task<RecentClaim> ClaimRecentAsync(string accountId, string folder, uint knownUidNext, CancellationToken cancellationToken);

    /// <summary>The change token alone (the folder row's ETag), for watchers.</summary>
    Task<string> GetChangeTokenAsync(string accountId, string folder, CancellationToken cancellationToken);

    /// <summary>All messages of the folder with flags and search headers: the folder row, then one query of its message rows.</summary>
    Task<FolderSnapshot> GetSnapshotAsync(string accountId, string folder, CancellationToken cancellationToken);

    /// <summary>
    /// The messages appended or changed since <paramref name="sinceModSeq"/> (their MODSEQ is
    /// higher) and the UIDs expunged since, for an incremental refresh (RFC 7162 QRESYNC): the folder
    /// row, then one filtered query of the message rows and one range query of the folder's expunge
    /// tombstones, in that order (so no expunge committed before a change the list shows is missed).
    /// </summary>
    Task<FolderChanges> GetChangesAsync(string accountId, string folder, ulong sinceModSeq, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a message in one transaction with the folder and account rows, checking
    /// <paramref name="quota"/> there (<see cref="MailboxQuotaExceededException"/>). With an
    /// <paramref name="idempotencyKey"/> (the pipeline's delivery id), any later call with the same
    /// key returns the first result and stores nothing, however much later it comes.
    /// </summary>
    Task<AppendResult> AppendAsync(
        string accountId,
        string folder,
        Stream content,
        MessageFlags flags,
        DateTimeOffset internalDate,
        string? idempotencyKey,
        MailboxQuota quota,
        CancellationToken cancellationToken);

    /// <summary>
    /// The most messages <see cref="AppendManyAsync"/> takes: their rows (and markers, when keyed), the folder
    /// row and the account row are one entity group transaction (at most 100 entities), and 48 rows of the largest
    /// captured headers (9 fields of 4,096 characters, about 37 KB each as JSON) stay under its 4 MiB payload.
    /// </summary>
    public const int MaxMessagesPerAppend = 48;

    /// <summary>
    /// Appends several messages atomically (IMAP MULTIAPPEND, RFC 3502 §6): the bytes of all are
    /// uploaded first, then one transaction adds every row, moves the folder row and checks
    /// <paramref name="quota"/> against their total on the account row. Either all are stored, with
    /// consecutive UIDs in the given order, or none (the uploaded blobs are then deleted). At most
    /// <see cref="MaxMessagesPerAppend"/> messages. Messages with an <see cref="AppendMessage.IdempotencyKey"/>
    /// get a marker row in the same transaction; those whose marker exists are left out (their blobs
    /// deleted) and the rest stored, so a batch that is sent again stores nothing twice.
    /// </summary>
    Task<AppendManyResult> AppendManyAsync(string accountId, string folder, IReadOnlyList<AppendMessage> messages, MailboxQuota quota, CancellationToken cancellationToken);

    /// <summary>An append without a quota.</summary>
    Task<AppendResult> AppendAsync(string accountId, string folder, Stream content, MessageFlags flags, DateTimeOffset internalDate, string? idempotencyKey, CancellationToken cancellationToken) =>
        AppendAsync(accountId, folder, content, flags, internalDate, idempotencyKey, MailboxQuota.Unlimited, cancellationToken);

    /// <summary>
    /// Delivers an accepted message without copying its bytes: the row references the spool blob,
    /// with <see cref="AcceptedMessage.Prefix"/> kept in the row ahead of it; otherwise as
    /// <see cref="AppendAsync(string, string, Stream, MessageFlags, DateTimeOffset, string?, MailboxQuota, CancellationToken)"/>.
    /// The spool blob then stays until no row references it (the spool sweep checks).
    /// </summary>
    Task<AppendResult> AppendAcceptedAsync(
        string accountId,
        string folder,
        AcceptedMessage message,
        MessageFlags flags,
        DateTimeOffset internalDate,
        string idempotencyKey,
        MailboxQuota quota,
        CancellationToken cancellationToken);

    /// <summary>Opens a message's raw bytes by UID (reads its row first). Throws <see cref="MessageNotFoundException"/> if expunged.</summary>
    Task<Stream> OpenMessageAsync(string accountId, string folder, uint uid, long offset = 0, long? length = null, CancellationToken cancellationToken = default);

    /// <summary>Opens the bytes of a listed message directly from its blob reference; one request.</summary>
    Task<Stream> OpenMessageAsync(MessageSummary message, long offset = 0, long? length = null, CancellationToken cancellationToken = default);

    /// <summary>Changes flags; with <paramref name="unchangedSince"/> (CONDSTORE) messages modified later are left alone and reported.</summary>
    Task<StoreFlagsResult> StoreFlagsAsync(
        string accountId,
        string folder,
        IReadOnlyCollection<uint> uids,
        FlagChangeMode mode,
        MessageFlags flags,
        ulong? unchangedSince,
        CancellationToken cancellationToken);

    /// <summary>Copies messages (a mailbox blob is copied, a shared spool blob referenced again), checking <paramref name="quota"/> in the transaction.</summary>
    Task<CopyResult> CopyAsync(string accountId, string sourceFolder, IReadOnlyCollection<uint> uids, string destinationFolder, MailboxQuota quota, CancellationToken cancellationToken);

    /// <summary>Moves message rows atomically (up to 48 messages per transaction); the bytes stay where they are.</summary>
    Task<CopyResult> MoveAsync(string accountId, string sourceFolder, IReadOnlyCollection<uint> uids, string destinationFolder, CancellationToken cancellationToken);

    /// <summary>
    /// Removes messages flagged \Deleted (only those in <paramref name="uids"/> when given), each transaction
    /// with a tombstone naming the UIDs it removed at its new MODSEQ. Returns the UIDs removed, ascending.
    /// </summary>
    Task<IReadOnlyList<uint>> ExpungeAsync(string accountId, string folder, IReadOnlyCollection<uint>? uids, CancellationToken cancellationToken);

    /// <summary>The account row's usage: one point read.</summary>
    Task<QuotaUsage> GetQuotaUsageAsync(string accountId, CancellationToken cancellationToken);
}

/// <summary>What the mailbox store refuses, in domain terms; protocol sessions map each to a reply.</summary>
public abstract class MailboxException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Storage failed or timed out (5xx, connection refused, contention that did not settle): try
/// again later. Whether a change that failed this way happened is unknown; retries are safe
/// where the change is idempotent (deliveries with a key).
/// </summary>
public sealed class MailboxStoreUnavailableException(string message, Exception? inner = null) : MailboxException(message, inner);

/// <summary>The change would take the account past its quota; nothing was stored (RFC 9208 OVERQUOTA).</summary>
public sealed class MailboxQuotaExceededException(long usedBytes, long addedBytes, long maxBytes)
    : MailboxException($"The mailbox uses {usedBytes} of {maxBytes} bytes; {addedBytes} more do not fit.")
{
    public long UsedBytes { get; } = usedBytes;
    public long MaxBytes { get; } = maxBytes;
}

/// <summary>The account has as many folders as it may (RFC 5530 LIMIT).</summary>
public sealed class FolderLimitExceededException(int limit) : MailboxException($"An account may have at most {limit} folders.")
{
    public int Limit { get; } = limit;
}

public sealed class FolderNotFoundException(string folder) : MailboxException($"Folder '{folder}' does not exist.")
{
    public string Folder { get; } = folder;
}

public sealed class FolderAlreadyExistsException(string folder) : MailboxException($"Folder '{folder}' already exists.")
{
    public string Folder { get; } = folder;
}

public sealed class InvalidFolderNameException(string folder, string reason) : MailboxException($"Folder name '{folder}' is invalid: {reason}.")
{
    public string Folder { get; } = folder;
}

public sealed class MessageNotFoundException(string folder, uint uid) : MailboxException($"Message {uid} in '{folder}' does not exist.")
{
    public uint Uid { get; } = uid;
}

/// <summary>An operation the folder does not allow, such as deleting INBOX (RFC 9051 §6.3.5).</summary>
public sealed class FolderOperationNotAllowedException(string folder, string reason) : MailboxException($"Folder '{folder}': {reason}.")
{
    public string Folder { get; } = folder;
}
