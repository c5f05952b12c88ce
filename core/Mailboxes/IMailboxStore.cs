namespace MailCloud.Core.Mailboxes;

/// <summary>
/// The mailboxes of all accounts, in blob storage. Accounts are addressed by their directory
/// <c>Account.Id</c>; folders by their UTF-8 name ("INBOX" matches case-insensitively).
/// Every method is safe under concurrent use from many processes: UIDs are unique and strictly
/// ascending per folder, and a delivery's cost does not depend on the folder's size.
/// Unknown folders throw <see cref="FolderNotFoundException"/>; invalid names throw
/// <see cref="InvalidFolderNameException"/>.
/// </summary>
public interface IMailboxStore
{
    /// <summary>Lists folders, creating INBOX, Sent, Drafts, Trash, Junk and Archive on first use.</summary>
    Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(string accountId, CancellationToken cancellationToken);

    Task<FolderInfo> CreateFolderAsync(string accountId, string name, CancellationToken cancellationToken);

    /// <summary>Renames a folder and its children. Renaming INBOX moves its messages to the new folder (RFC 9051 §6.3.6).</summary>
    Task RenameFolderAsync(string accountId, string oldName, string newName, CancellationToken cancellationToken);

    Task DeleteFolderAsync(string accountId, string name, CancellationToken cancellationToken);

    Task SetSubscribedAsync(string accountId, string name, bool subscribed, CancellationToken cancellationToken);

    /// <summary>Counters and change token; costs one small read.</summary>
    Task<FolderStatus> GetStatusAsync(string accountId, string folder, CancellationToken cancellationToken);

    /// <summary>The change token alone (a metadata read), for watchers.</summary>
    Task<string> GetChangeTokenAsync(string accountId, string folder, CancellationToken cancellationToken);

    /// <summary>All messages of the folder with flags; paged listing underneath, reused while the change token holds.</summary>
    Task<FolderSnapshot> GetSnapshotAsync(string accountId, string folder, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a message. With an <paramref name="idempotencyKey"/> (the pipeline's delivery id),
    /// a second call with the same key returns the first result and stores nothing.
    /// </summary>
    Task<AppendResult> AppendAsync(
        string accountId,
        string folder,
        Stream content,
        MessageFlags flags,
        DateTimeOffset internalDate,
        string? idempotencyKey,
        CancellationToken cancellationToken);

    /// <summary>
    /// True when an append with this idempotency key has begun (it holds a UID, finished or not):
    /// a redelivered queue message must then finish that append rather than be judged anew.
    /// </summary>
    Task<bool> HasDeliveryAsync(string accountId, string folder, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Opens a message's raw bytes, optionally a byte range. Throws <see cref="MessageNotFoundException"/> if expunged.</summary>
    Task<Stream> OpenMessageAsync(string accountId, string folder, uint uid, long offset = 0, long? length = null, CancellationToken cancellationToken = default);

    /// <summary>Changes flags; with <paramref name="unchangedSince"/> (CONDSTORE) messages modified later are left alone and reported.</summary>
    Task<StoreFlagsResult> StoreFlagsAsync(
        string accountId,
        string folder,
        IReadOnlyCollection<uint> uids,
        FlagChangeMode mode,
        MessageFlags flags,
        ulong? unchangedSince,
        CancellationToken cancellationToken);

    Task<CopyResult> CopyAsync(string accountId, string sourceFolder, IReadOnlyCollection<uint> uids, string destinationFolder, CancellationToken cancellationToken);

    /// <summary>Copies then expunges from the source.</summary>
    Task<CopyResult> MoveAsync(string accountId, string sourceFolder, IReadOnlyCollection<uint> uids, string destinationFolder, CancellationToken cancellationToken);

    /// <summary>Removes messages flagged \Deleted (only those in <paramref name="uids"/> when given). Returns the UIDs removed, ascending.</summary>
    Task<IReadOnlyList<uint>> ExpungeAsync(string accountId, string folder, IReadOnlyCollection<uint>? uids, CancellationToken cancellationToken);

    Task<QuotaUsage> GetQuotaUsageAsync(string accountId, CancellationToken cancellationToken);
}

public sealed class FolderNotFoundException(string folder) : Exception($"Folder '{folder}' does not exist.")
{
    public string Folder { get; } = folder;
}

public sealed class FolderAlreadyExistsException(string folder) : Exception($"Folder '{folder}' already exists.")
{
    public string Folder { get; } = folder;
}

public sealed class InvalidFolderNameException(string folder, string reason) : Exception($"Folder name '{folder}' is invalid: {reason}.")
{
    public string Folder { get; } = folder;
}

public sealed class MessageNotFoundException(string folder, uint uid) : Exception($"Message {uid} in '{folder}' does not exist.")
{
    public uint Uid { get; } = uid;
}

/// <summary>An operation the folder does not allow, such as deleting INBOX (RFC 9051 §6.3.5).</summary>
public sealed class FolderOperationNotAllowedException(string folder, string reason) : Exception($"Folder '{folder}': {reason}.")
{
    public string Folder { get; } = folder;
}
