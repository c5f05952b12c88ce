using Azure;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Caching.Memory;

namespace MailCloud.Core.Mailboxes.Blobs;

/// <summary>A snapshot plus each message blob's ETag (same order), for conditional writes.</summary>
internal sealed record FolderListing(FolderSnapshot Snapshot, IReadOnlyList<ETag> ETags);

/// <summary>
/// Lists a folder's message blobs with metadata, page by page, into a snapshot, and keeps it
/// in memory under the folder's change token: while state.json's ETag holds, nothing in the
/// folder has completed a change, so one small read decides whether the listing is still good.
/// </summary>
internal sealed class FolderSnapshots(MailboxLayout layout, FolderStateStore states, IMemoryCache cache, int listPageSize)
{
    private static readonly TimeSpan CacheSlidingExpiration = TimeSpan.FromMinutes(10);

    public async Task<FolderListing> GetAsync(string accountId, FolderEntry folder, CancellationToken cancellationToken)
    {
        // The token is read before listing: a change completing during the listing moves it, so
        // a listing that caught a change half-done is never served under the token it ends at.
        var (state, token) = await states.ReadAsync(accountId, folder.FolderId, cancellationToken).ConfigureAwait(false);
        var key = new SnapshotKey(accountId, folder.FolderId, folder.Name, folder.UidValidity, token);
        if (cache.TryGetValue(key, out FolderListing? cached) && cached is not null)
        {
            return cached;
        }

        var view = states.View(state);
        var prefix = layout.MessagePrefix(accountId, folder.FolderId);
        var messages = new List<MessageSummary>();
        var etags = new List<ETag>();
        var pages = layout.Container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, cancellationToken).AsPages(pageSizeHint: listPageSize);
        await foreach (var page in pages.ConfigureAwait(false))
        {
            foreach (var item in page.Values)
            {
                if (!MailboxLayout.TryParseUid(item.Name, prefix, out var uid) || !view.IsVisible(uid))
                {
                    continue;
                }

                var metadata = MessageMetadata.Parse(item.Metadata, item.Name);
                messages.Add(new MessageSummary(uid, metadata.Flags, metadata.InternalDate, item.Properties.ContentLength ?? 0, metadata.ModSeq));
                etags.Add(item.Properties.ETag ?? default);
            }
        }

        var status = new FolderStatus(folder.Name, folder.UidValidity, view.UidNext, view.HighestModSeq, messages.Count, messages.Sum(m => m.Size), token);
        var listing = new FolderListing(new FolderSnapshot(status, messages), etags);
        cache.Set(key, listing, new MemoryCacheEntryOptions { Size = messages.Count + 1, SlidingExpiration = CacheSlidingExpiration });
        return listing;
    }

    private sealed record SnapshotKey(string AccountId, string FolderId, string Name, uint UidValidity, string ChangeToken);
}
