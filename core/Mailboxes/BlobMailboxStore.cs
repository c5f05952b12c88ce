using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs.Models;
using MailCloud.Core.Configuration;
using MailCloud.Core.Mailboxes.Blobs;
using MailCloud.Core.Mailboxes.Naming;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Mailboxes;

/// <summary>
/// The mailbox store on Azure Blob Storage (container <see cref="StorageClients.Mailboxes"/>).
/// <para><b>Layout.</b> Folder names are never paths; they map to generated ids.</para>
/// <list type="bullet">
/// <item><c>&lt;accountId&gt;/folders.json</c>: the folder list {name, folderId, uidValidity, specialUse,
/// subscribed} and the account's UIDVALIDITY counter (seeded from the clock). Changed by CAS on its
/// ETag. CREATE, RENAME (children included), DELETE and SUBSCRIBE are one CAS each; renaming INBOX
/// hands INBOX's folder id to the new name and gives INBOX a fresh id and UIDVALIDITY (RFC 9051 §6.3.6).
/// DELETE removes the entry, then the folder's blobs.</item>
/// <item><c>&lt;accountId&gt;/f/&lt;folderId&gt;/state.json</c>: {uidNext, highestModSeq, messageCount,
/// totalSize, pending, abandoned}, the folder's commit point. Its ETag is the change token.</item>
/// <item><c>&lt;accountId&gt;/f/&lt;folderId&gt;/m/&lt;uid, 10 digits&gt;</c>: the raw RFC 5322 message, uploaded
/// by streaming, with flags, keywords, internal date and MODSEQ as blob metadata, so one listing
/// with metadata (pages of 5,000) gives the whole folder; it is cached under the change token.</item>
/// <item><c>&lt;accountId&gt;/f/&lt;folderId&gt;/d/&lt;sha256(idempotency key)&gt;</c>: the UID a delivery got.</item>
/// </list>
/// <para><b>Every change</b> (append, STORE, EXPUNGE) is reserve → write blobs → complete: a CAS on
/// state.json takes the next MODSEQ (and UID) and records it as pending; the blob writes follow;
/// a second CAS removes the pending entry and updates the counters. So the change token moves
/// after the last blob write, and a listing cached under a token never holds a half-applied change
/// that the token claims is finished. An append costs the same few requests (marker read,
/// reserve, marker write, upload, complete, plus reading folders.json) for 10 messages or 10 million.</para>
/// <para><b>Visibility.</b> Readers treat UIDs at or above the lowest live pending UID as not yet
/// there, and report HIGHESTMODSEQ below the lowest live pending MODSEQ: a client never sees UID
/// n+1 and later a new UID n. A reservation older than <see cref="MailboxStoreOptions.PendingTimeout"/>
/// is stale: readers ignore it and hide its UID, the next writer moves it to the abandoned list
/// (kept for <see cref="MailboxStoreOptions.AbandonedRetention"/>), and its late completion fails
/// and deletes its blob. Clocks of the instances are assumed to agree to well within the timeout.</para>
/// <para><b>Exactly-once delivery.</b> An append with an idempotency key writes its marker
/// (If-None-Match: *) right after reserving. A retry finds the marker and either returns the
/// completed UID, finishes the earlier attempt's live reservation (same key, same bytes), or, if
/// that reservation went stale, reserves a new UID and swaps the marker by CAS. A redelivery of a
/// message the user has since expunged stays expunged.</para>
/// <para><b>Known edges.</b> <see cref="GetStatusAsync"/> counts come from state.json and may include a
/// message committed above a still-pending lower UID, which the snapshot does not show yet. An append
/// racing a DELETE of its folder may land in the deleted folder's id: unreachable, never visible.
/// Requests per operation: append with key 6–7 (folders.json, marker read, reserve, marker write,
/// upload, complete; writers start from the last state version they saw, so an uncontended CAS is one
/// request), snapshot 2 when cached, GetChangeTokenAsync 2 (folders.json, state properties).</para>
/// </summary>
public sealed class BlobMailboxStore : IMailboxStore, IDisposable
{
    private readonly MailboxLayout _layout;
    private readonly FolderCatalog _catalog;
    private readonly FolderStateStore _states;
    private readonly FolderSnapshots _snapshots;
    private readonly MessageAppender _appender;
    private readonly MemoryCache _snapshotCache;
    private readonly MailboxStoreOptions _options;
    private readonly ILogger<BlobMailboxStore> _logger;

    public BlobMailboxStore(StorageClients storage, IOptions<MailboxStoreOptions> options, TimeProvider clock, ILogger<BlobMailboxStore> logger)
    {
        _options = options.Value;
        _logger = logger;
        _layout = new MailboxLayout(storage.Mailboxes);
        _catalog = new FolderCatalog(_layout, clock);
        _snapshotCache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.SnapshotCacheMessages });
        _states = new FolderStateStore(_layout, clock, _options, _snapshotCache);
        _snapshots = new FolderSnapshots(_layout, _states, _snapshotCache, _options.ListPageSize);
        _appender = new MessageAppender(_layout, _states, _options, logger);
    }

    /// <summary>The append steps one by one, for tests that stop halfway as a crash would.</summary>
    internal MessageAppender Appender => _appender;

    internal FolderCatalog Catalog => _catalog;

    public async Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(string accountId, CancellationToken cancellationToken)
    {
        AccountIds.Validate(accountId);
        var folders = await _catalog.LoadAsync(accountId, cancellationToken).ConfigureAwait(false);
        return [.. folders.Folders
            .OrderBy(f => FolderName.IsInbox(f.Name) ? 0 : 1)
            .ThenBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => f.ToInfo())];
    }

    public async Task<FolderInfo> CreateFolderAsync(string accountId, string name, CancellationToken cancellationToken)
    {
        AccountIds.Validate(accountId);
        var normalized = FolderName.Normalize(name);
        var folders = await _catalog.UpdateAsync(accountId, f => f.Add(normalized), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Created folder {Folder} for account {AccountId}", normalized, accountId);
        return folders.Get(normalized).ToInfo();
    }

    public async Task RenameFolderAsync(string accountId, string oldName, string newName, CancellationToken cancellationToken)
    {
        AccountIds.Validate(accountId);
        var from = FolderName.Normalize(oldName);
        var to = FolderName.Normalize(newName);
        await _catalog.UpdateAsync(accountId, f => f.Rename(from, to), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Renamed folder {OldName} to {NewName} for account {AccountId}", from, to, accountId);
    }

    public async Task DeleteFolderAsync(string accountId, string name, CancellationToken cancellationToken)
    {
        AccountIds.Validate(accountId);
        var normalized = FolderName.Normalize(name);
        FolderEntry? removed = null;
        await _catalog.UpdateAsync(
            accountId,
            f =>
            {
                removed = f.Get(normalized);
                return f.Remove(normalized);
            },
            cancellationToken).ConfigureAwait(false);

        // The entry is gone, so nothing reaches these blobs by name any more; a crash here leaves
        // unreachable blobs behind, never a half-deleted visible folder.
        var prefix = _layout.FolderPrefix(accountId, removed!.FolderId);
        var names = new List<string>();
        await foreach (var item in _layout.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            names.Add(item.Name);
        }

        await Parallel.ForEachAsync(names, Parallelism(cancellationToken), async (blobName, token) =>
            await _layout.Container.DeleteBlobIfExistsAsync(blobName, cancellationToken: token).ConfigureAwait(false)).ConfigureAwait(false);
        _logger.LogInformation("Deleted folder {Folder} ({BlobCount} blobs) for account {AccountId}", normalized, names.Count, accountId);
    }

    public async Task SetSubscribedAsync(string accountId, string name, bool subscribed, CancellationToken cancellationToken)
    {
        AccountIds.Validate(accountId);
        var normalized = FolderName.Normalize(name);
        await _catalog.UpdateAsync(accountId, f => f.SetSubscribed(normalized, subscribed), cancellationToken).ConfigureAwait(false);
    }

    public async Task<FolderStatus> GetStatusAsync(string accountId, string folder, CancellationToken cancellationToken)
    {
        var entry = await ResolveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        var (state, token) = await _states.ReadAsync(accountId, entry.FolderId, cancellationToken).ConfigureAwait(false);
        var view = _states.View(state);
        return new FolderStatus(entry.Name, entry.UidValidity, view.UidNext, view.HighestModSeq, view.MessageCount, view.TotalSize, token);
    }

    public async Task<string> GetChangeTokenAsync(string accountId, string folder, CancellationToken cancellationToken)
    {
        var entry = await ResolveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        return await _states.GetChangeTokenAsync(accountId, entry.FolderId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<FolderSnapshot> GetSnapshotAsync(string accountId, string folder, CancellationToken cancellationToken)
    {
        var entry = await ResolveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        var listing = await _snapshots.GetAsync(accountId, entry, cancellationToken).ConfigureAwait(false);
        return listing.Snapshot;
    }

    public async Task<AppendResult> AppendAsync(string accountId, string folder, Stream content, MessageFlags flags, DateTimeOffset internalDate, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(flags);
        var entry = await ResolveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        return await _appender.AppendAsync(accountId, entry, content, flags, internalDate, idempotencyKey, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> HasDeliveryAsync(string accountId, string folder, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        var entry = await ResolveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        return await _appender.Marker(accountId, entry, idempotencyKey).ReadAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task<Stream> OpenMessageAsync(string accountId, string folder, uint uid, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } requested)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(requested, nameof(length));
            if (requested == 0)
            {
                return Stream.Null;
            }
        }

        var entry = await ResolveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        var blob = _layout.Message(accountId, entry.FolderId, uid);
        try
        {
            var download = await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(offset, length) }, cancellationToken).ConfigureAwait(false);
            return download.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new MessageNotFoundException(entry.Name, uid);
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            // A range starting at or past the end: IMAP partial fetch answers with an empty string (RFC 9051 §6.4.5).
            return Stream.Null;
        }
    }

    public async Task<StoreFlagsResult> StoreFlagsAsync(string accountId, string folder, IReadOnlyCollection<uint> uids, FlagChangeMode mode, MessageFlags flags, ulong? unchangedSince, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(flags);
        var entry = await ResolveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        if (uids.Count == 0)
        {
            return new StoreFlagsResult([], []);
        }

        var reservation = await _states.ReserveAsync(accountId, entry.FolderId, withUid: false, cancellationToken).ConfigureAwait(false);
        var changed = new ConcurrentBag<MessageSummary>();
        var failed = new ConcurrentBag<uint>();
        try
        {
            await Parallel.ForEachAsync(uids.Distinct(), Parallelism(cancellationToken), async (uid, token) =>
            {
                var outcome = await StoreOneAsync(accountId, entry, uid, mode, flags, unchangedSince, reservation.ModSeq, token).ConfigureAwait(false);
                if (outcome.Changed is { } summary)
                {
                    changed.Add(summary);
                }
                else if (outcome.FailedUnchangedSince)
                {
                    failed.Add(uid);
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            // Complete even after a failure: some blobs may have changed, so the token must move.
            await _states.CompleteAsync(accountId, entry.FolderId, reservation, 0, 0, CancellationToken.None).ConfigureAwait(false);
        }

        return new StoreFlagsResult([.. changed.OrderBy(m => m.Uid)], [.. failed.Order()]);
    }

    public async Task<CopyResult> CopyAsync(string accountId, string sourceFolder, IReadOnlyCollection<uint> uids, string destinationFolder, CancellationToken cancellationToken)
    {
        var (source, destination) = await ResolvePairAsync(accountId, sourceFolder, destinationFolder, cancellationToken).ConfigureAwait(false);
        var mapping = await CopyCoreAsync(accountId, source, uids, destination, cancellationToken).ConfigureAwait(false);
        return new CopyResult(destination.UidValidity, mapping);
    }

    public async Task<CopyResult> MoveAsync(string accountId, string sourceFolder, IReadOnlyCollection<uint> uids, string destinationFolder, CancellationToken cancellationToken)
    {
        var (source, destination) = await ResolvePairAsync(accountId, sourceFolder, destinationFolder, cancellationToken).ConfigureAwait(false);
        var mapping = await CopyCoreAsync(accountId, source, uids, destination, cancellationToken).ConfigureAwait(false);

        // RFC 6851 §3.3: the moved messages are expunged from the source whatever their flags.
        await RemoveAsync(accountId, source, [.. mapping.Select(m => m.SourceUid)], condition: null, cancellationToken).ConfigureAwait(false);
        return new CopyResult(destination.UidValidity, mapping);
    }

    public async Task<IReadOnlyList<uint>> ExpungeAsync(string accountId, string folder, IReadOnlyCollection<uint>? uids, CancellationToken cancellationToken)
    {
        var entry = await ResolveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        var listing = await _snapshots.GetAsync(accountId, entry, cancellationToken).ConfigureAwait(false);
        var limit = uids is null ? null : new HashSet<uint>(uids);
        var candidates = listing.Snapshot.Messages
            .Where(m => m.Flags.Has(SystemFlags.Deleted) && (limit is null || limit.Contains(m.Uid)))
            .Select(m => m.Uid)
            .ToList();

        // Re-checked on each blob: a concurrent STORE -FLAGS \Deleted must win over a stale listing.
        return await RemoveAsync(accountId, entry, candidates, m => m.Flags.Has(SystemFlags.Deleted), cancellationToken).ConfigureAwait(false);
    }

    public async Task<QuotaUsage> GetQuotaUsageAsync(string accountId, CancellationToken cancellationToken)
    {
        AccountIds.Validate(accountId);
        var folders = await _catalog.LoadAsync(accountId, cancellationToken).ConfigureAwait(false);
        long bytes = 0;
        long messages = 0;
        await Parallel.ForEachAsync(folders.Folders, Parallelism(cancellationToken), async (folder, token) =>
        {
            var (state, _) = await _states.ReadAsync(accountId, folder.FolderId, token).ConfigureAwait(false);
            Interlocked.Add(ref bytes, state.TotalSize);
            Interlocked.Add(ref messages, state.MessageCount);
        }).ConfigureAwait(false);
        return new QuotaUsage(bytes, messages);
    }

    public void Dispose() => _snapshotCache.Dispose();

    private async Task<FolderEntry> ResolveAsync(string accountId, string folder, CancellationToken cancellationToken)
    {
        AccountIds.Validate(accountId);
        return await _catalog.GetAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(FolderEntry Source, FolderEntry Destination)> ResolvePairAsync(string accountId, string source, string destination, CancellationToken cancellationToken)
    {
        AccountIds.Validate(accountId);
        var from = FolderName.Normalize(source);
        var to = FolderName.Normalize(destination);
        var folders = await _catalog.LoadAsync(accountId, cancellationToken).ConfigureAwait(false);
        return (folders.Get(from), folders.Get(to));
    }

    /// <summary>RFC 9051 §6.4.7: copies keep flags and internal date; each goes through the append path, in UID order.</summary>
    private async Task<IReadOnlyList<(uint SourceUid, uint DestinationUid)>> CopyCoreAsync(string accountId, FolderEntry source, IReadOnlyCollection<uint> uids, FolderEntry destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uids);
        var mapping = new List<(uint, uint)>();
        foreach (var uid in uids.Distinct().Order())
        {
            BlobDownloadStreamingResult download;
            try
            {
                download = await _layout.Message(accountId, source.FolderId, uid).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                continue;
            }

            using (download)
            {
                var metadata = MessageMetadata.Parse(download.Details.Metadata, uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var appended = await _appender.AppendAsync(accountId, destination, download.Content, metadata.Flags, metadata.InternalDate, idempotencyKey: null, cancellationToken).ConfigureAwait(false);
                mapping.Add((uid, appended.Uid));
            }
        }

        return mapping;
    }

    /// <summary>Deletes message blobs (those meeting <paramref name="condition"/> when given), then completes under a new MODSEQ.</summary>
    private async Task<IReadOnlyList<uint>> RemoveAsync(string accountId, FolderEntry folder, IReadOnlyList<uint> uids, Func<MessageMetadata, bool>? condition, CancellationToken cancellationToken)
    {
        if (uids.Count == 0)
        {
            return [];
        }

        var reservation = await _states.ReserveAsync(accountId, folder.FolderId, withUid: false, cancellationToken).ConfigureAwait(false);
        var removed = new ConcurrentBag<(uint Uid, long Size)>();
        try
        {
            await Parallel.ForEachAsync(uids, Parallelism(cancellationToken), async (uid, token) =>
            {
                if (await RemoveOneAsync(accountId, folder, uid, condition, token).ConfigureAwait(false) is { } size)
                {
                    removed.Add((uid, size));
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            await _states.CompleteAsync(accountId, folder.FolderId, reservation, -removed.Count, -removed.Sum(r => r.Size), CancellationToken.None).ConfigureAwait(false);
        }

        return [.. removed.Select(r => r.Uid).Order()];
    }

    /// <summary>Deletes one message blob if it (still) meets the condition; returns its size, or null if not deleted.</summary>
    private async Task<long?> RemoveOneAsync(string accountId, FolderEntry folder, uint uid, Func<MessageMetadata, bool>? condition, CancellationToken cancellationToken)
    {
        var blob = _layout.Message(accountId, folder.FolderId, uid);
        for (; ;)
        {
            BlobProperties properties;
            try
            {
                properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }

            if (condition is not null && !condition(MessageMetadata.Parse(properties.Metadata, blob.Name)))
            {
                return null;
            }

            try
            {
                await blob.DeleteAsync(conditions: new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken: cancellationToken).ConfigureAwait(false);
                return properties.ContentLength;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Its flags changed since we looked: look again.
            }
        }
    }

    private async Task<(MessageSummary? Changed, bool FailedUnchangedSince)> StoreOneAsync(string accountId, FolderEntry folder, uint uid, FlagChangeMode mode, MessageFlags flags, ulong? unchangedSince, ulong modSeq, CancellationToken cancellationToken)
    {
        var blob = _layout.Message(accountId, folder.FolderId, uid);
        for (; ;)
        {
            BlobProperties properties;
            try
            {
                properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return (null, false);
            }

            var current = MessageMetadata.Parse(properties.Metadata, blob.Name);

            // RFC 7162 §3.1.3: a message modified after UNCHANGEDSINCE is left alone and reported.
            if (current.ModSeq > unchangedSince)
            {
                return (null, true);
            }

            var next = FlagChanges.Apply(current.Flags, mode, flags);
            if (FlagChanges.AreEqual(next, current.Flags))
            {
                return (null, false);
            }

            var updated = current with { Flags = next, ModSeq = modSeq };
            try
            {
                await blob.SetMetadataAsync(updated.MergeInto(properties.Metadata), new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken).ConfigureAwait(false);
                return (new MessageSummary(uid, updated.Flags, updated.InternalDate, properties.ContentLength, updated.ModSeq), false);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Changed under us (another STORE): apply ours to the fresh flags.
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return (null, false);
            }
        }
    }

    private ParallelOptions Parallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = _options.MaxParallelRequests, CancellationToken = cancellationToken };
}
