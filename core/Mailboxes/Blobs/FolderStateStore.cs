using Azure;
using Microsoft.Extensions.Caching.Memory;

namespace MailCloud.Core.Mailboxes.Blobs;

/// <summary>
/// Reads and changes a folder's <see cref="FolderState"/> by CAS, on the store's clock and timeouts.
/// Writers start from the version this instance last wrote or read (kept in memory), so an
/// uncontended change is one request; the ETag check catches any stale guess. Readers always read.
/// </summary>
internal sealed class FolderStateStore(MailboxLayout layout, TimeProvider clock, MailboxStoreOptions options, IMemoryCache cache)
{
    private static readonly TimeSpan HintLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The change token of a folder nothing has been written to yet.</summary>
    private const string InitialToken = "initial";

    public async Task<(FolderState State, string ChangeToken)> ReadAsync(string accountId, string folderId, CancellationToken cancellationToken)
    {
        var current = await Document(accountId, folderId).ReadAsync(cancellationToken).ConfigureAwait(false);
        Remember(accountId, folderId, current);
        return current is null ? (FolderState.Initial, InitialToken) : (current.Value, current.ETag.ToString());
    }

    /// <summary>The ETag of state.json alone: one metadata request.</summary>
    public async Task<string> GetChangeTokenAsync(string accountId, string folderId, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await layout.FolderState(accountId, folderId).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.ETag.ToString();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return InitialToken;
        }
    }

    public FolderView View(FolderState state) => state.View(clock.GetUtcNow(), options.PendingTimeout);

    public async Task<PendingChange> ReserveAsync(string accountId, string folderId, bool withUid, CancellationToken cancellationToken)
    {
        return await UpdateAsync(
            accountId,
            folderId,
            state =>
            {
                var (next, reserved) = (state ?? FolderState.Initial).Reserve(withUid, clock.GetUtcNow(), options.PendingTimeout, options.AbandonedRetention);
                return (next, reserved);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<CompletionOutcome> CompleteAsync(string accountId, string folderId, PendingChange reservation, int messageDelta, long sizeDelta, CancellationToken cancellationToken)
    {
        return await UpdateAsync(
            accountId,
            folderId,
            state => (state ?? FolderState.Initial).Complete(reservation, messageDelta, sizeDelta, clock.GetUtcNow(), options.PendingTimeout),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gives a reservation up (a failed append, or one that lost its idempotency marker to a twin).</summary>
    public async Task AbandonAsync(string accountId, string folderId, PendingChange reservation, CancellationToken cancellationToken)
    {
        await UpdateAsync(
            accountId,
            folderId,
            state =>
            {
                var current = state ?? FolderState.Initial;
                var pending = current.Pending.Find(p => p.ModSeq == reservation.ModSeq);
                return (pending is null ? null : current.Abandon(pending, clock.GetUtcNow()), true);
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<TResult> UpdateAsync<TResult>(string accountId, string folderId, Func<FolderState?, (FolderState? Next, TResult Result)> change, CancellationToken cancellationToken)
    {
        cache.TryGetValue(new HintKey(accountId, folderId), out Versioned<FolderState>? hint);
        var (result, document) = await Document(accountId, folderId).UpdateAsync(change, cancellationToken, hint).ConfigureAwait(false);
        Remember(accountId, folderId, document);
        return result;
    }

    private void Remember(string accountId, string folderId, Versioned<FolderState>? document)
    {
        if (document is not null)
        {
            cache.Set(new HintKey(accountId, folderId), document, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = HintLifetime });
        }
    }

    private JsonBlob<FolderState> Document(string accountId, string folderId) =>
        new(layout.FolderState(accountId, folderId), MailboxJsonContext.Default.FolderState);

    private sealed record HintKey(string AccountId, string FolderId);
}
