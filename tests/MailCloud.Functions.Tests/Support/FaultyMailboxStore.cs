using MailCloud.Core.Mailboxes;

namespace MailCloud.Functions.Tests.Support;

/// <summary>
/// Counts appends (to <paramref name="accountId"/> only, when given) and makes the first one throw after it has
/// been stored: a Deliver that dies halfway.
/// </summary>
public sealed class FailAfterAppend(string? accountId = null)
{
    private int _appends;

    public int Appends => _appends;

    internal bool ShouldFail(string target) => (accountId is null || accountId == target) && Interlocked.Increment(ref _appends) == 1;
}

/// <summary>A real mailbox store whose first append (of either kind) fails after storing, as a crash between store and queue acknowledgement would.</summary>
public sealed class FaultyMailboxStore(IMailboxStore inner, FailAfterAppend faults) : IMailboxStore
{
    public async Task<AppendResult> AppendAsync(string accountId, string folder, Stream content, MessageFlags flags, DateTimeOffset internalDate, string? idempotencyKey, MailboxQuota quota, CancellationToken cancellationToken)
    {
        var result = await inner.AppendAsync(accountId, folder, content, flags, internalDate, idempotencyKey, quota, cancellationToken);
        return faults.ShouldFail(accountId) ? throw new IOException("injected fault after the append was stored") : result;
    }

    public async Task<AppendResult> AppendAcceptedAsync(string accountId, string folder, AcceptedMessage message, MessageFlags flags, DateTimeOffset internalDate, string idempotencyKey, MailboxQuota quota, CancellationToken cancellationToken)
    {
        var result = await inner.AppendAcceptedAsync(accountId, folder, message, flags, internalDate, idempotencyKey, quota, cancellationToken);
        return faults.ShouldFail(accountId) ? throw new IOException("injected fault after the append was stored") : result;
    }

    public Task<AppendManyResult> AppendManyAsync(string accountId, string folder, IReadOnlyList<AppendMessage> messages, MailboxQuota quota, CancellationToken cancellationToken) => inner.AppendManyAsync(accountId, folder, messages, quota, cancellationToken);
    public Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(string accountId, CancellationToken cancellationToken) => inner.ListFoldersAsync(accountId, cancellationToken);
    public Task<FolderInfo> CreateFolderAsync(string accountId, string name, SpecialUse specialUse, CancellationToken cancellationToken) => inner.CreateFolderAsync(accountId, name, specialUse, cancellationToken);
    public Task RenameFolderAsync(string accountId, string oldName, string newName, CancellationToken cancellationToken) => inner.RenameFolderAsync(accountId, oldName, newName, cancellationToken);
    public Task DeleteFolderAsync(string accountId, string name, CancellationToken cancellationToken) => inner.DeleteFolderAsync(accountId, name, cancellationToken);
    public Task SetSubscribedAsync(string accountId, string name, bool subscribed, CancellationToken cancellationToken) => inner.SetSubscribedAsync(accountId, name, subscribed, cancellationToken);

    public Task<IReadOnlyList<string>> ListSubscriptionsAsync(string accountId, CancellationToken cancellationToken) => inner.ListSubscriptionsAsync(accountId, cancellationToken);
    public Task<FolderStatus> GetStatusAsync(string accountId, string folder, CancellationToken cancellationToken) => inner.GetStatusAsync(accountId, folder, cancellationToken);
    public Task<RecentClaim> ClaimRecentAsync(string accountId, string folder, uint knownUidNext, CancellationToken cancellationToken) => inner.ClaimRecentAsync(accountId, folder, knownUidNext, cancellationToken);
    public Task<string> GetChangeTokenAsync(string accountId, string folder, CancellationToken cancellationToken) => inner.GetChangeTokenAsync(accountId, folder, cancellationToken);
    public Task<FolderSnapshot> GetSnapshotAsync(string accountId, string folder, CancellationToken cancellationToken) => inner.GetSnapshotAsync(accountId, folder, cancellationToken);
    public Task<FolderChanges> GetChangesAsync(string accountId, string folder, ulong sinceModSeq, CancellationToken cancellationToken) => inner.GetChangesAsync(accountId, folder, sinceModSeq, cancellationToken);
    public Task<Stream> OpenMessageAsync(string accountId, string folder, uint uid, long offset = 0, long? length = null, CancellationToken cancellationToken = default) => inner.OpenMessageAsync(accountId, folder, uid, offset, length, cancellationToken);
    public Task<Stream> OpenMessageAsync(MessageSummary message, long offset = 0, long? length = null, CancellationToken cancellationToken = default) => inner.OpenMessageAsync(message, offset, length, cancellationToken);
    public Task<StoreFlagsResult> StoreFlagsAsync(string accountId, string folder, IReadOnlyCollection<uint> uids, FlagChangeMode mode, MessageFlags flags, ulong? unchangedSince, CancellationToken cancellationToken) => inner.StoreFlagsAsync(accountId, folder, uids, mode, flags, unchangedSince, cancellationToken);
    public Task<CopyResult> CopyAsync(string accountId, string sourceFolder, IReadOnlyCollection<uint> uids, string destinationFolder, MailboxQuota quota, CancellationToken cancellationToken) => inner.CopyAsync(accountId, sourceFolder, uids, destinationFolder, quota, cancellationToken);
    public Task<CopyResult> MoveAsync(string accountId, string sourceFolder, IReadOnlyCollection<uint> uids, string destinationFolder, CancellationToken cancellationToken) => inner.MoveAsync(accountId, sourceFolder, uids, destinationFolder, cancellationToken);
    public Task<IReadOnlyList<uint>> ExpungeAsync(string accountId, string folder, IReadOnlyCollection<uint>? uids, CancellationToken cancellationToken) => inner.ExpungeAsync(accountId, folder, uids, cancellationToken);
    public Task<QuotaUsage> GetQuotaUsageAsync(string accountId, CancellationToken cancellationToken) => inner.GetQuotaUsageAsync(accountId, cancellationToken);
}
