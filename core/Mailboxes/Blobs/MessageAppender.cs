using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Mailboxes.Blobs;

/// <summary>
/// Appends one message to a folder in a fixed number of requests, whatever the folder's size:
/// (1) read the delivery marker, (2) reserve UID and MODSEQ in state.json, (3) claim the marker,
/// (4) upload the blob (If-None-Match: *), (5) complete in state.json. The steps are separate
/// so tests can stop after any of them, as a crashed Function would.
/// </summary>
internal sealed class MessageAppender(MailboxLayout layout, FolderStateStore states, MailboxStoreOptions options, ILogger logger)
{
    private const string MessageContentType = "message/rfc822";

    public async Task<AppendResult> AppendAsync(
        string accountId,
        FolderEntry folder,
        Stream content,
        MessageFlags flags,
        DateTimeOffset internalDate,
        string? idempotencyKey,
        CancellationToken cancellationToken)
    {
        if (idempotencyKey is null)
        {
            var reservation = await ReserveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
            await UploadAndCompleteAsync(accountId, folder, reservation, content, flags, internalDate, deliveryHash: null, cancellationToken).ConfigureAwait(false);
            return new AppendResult(folder.UidValidity, reservation.Uid!.Value, AlreadyDelivered: false);
        }

        var marker = Marker(accountId, folder, idempotencyKey);
        for (; ;)
        {
            var claimed = await ClaimAsync(accountId, folder, marker, cancellationToken).ConfigureAwait(false);
            if (claimed is null)
            {
                continue;
            }

            var (uid, reservation) = claimed.Value;
            if (reservation is not null)
            {
                await UploadAndCompleteAsync(accountId, folder, reservation, content, flags, internalDate, MailboxLayout.HashKey(idempotencyKey), cancellationToken).ConfigureAwait(false);
            }

            return new AppendResult(folder.UidValidity, uid, AlreadyDelivered: reservation is null);
        }
    }

    /// <summary>Step 2: takes the next UID and MODSEQ, pending until completed.</summary>
    public Task<PendingChange> ReserveAsync(string accountId, FolderEntry folder, CancellationToken cancellationToken) =>
        states.ReserveAsync(accountId, folder.FolderId, withUid: true, cancellationToken);

    /// <summary>Step 3: records which UID the delivery owns; false when a concurrent twin recorded one first.</summary>
    public async Task<bool> TryWriteMarkerAsync(JsonBlob<DeliveryMarker> marker, PendingChange reservation, ETag? replacing, CancellationToken cancellationToken) =>
        await marker.TryWriteAsync(new DeliveryMarker(reservation.Uid!.Value), replacing, cancellationToken).ConfigureAwait(false) is not null;

    public JsonBlob<DeliveryMarker> Marker(string accountId, FolderEntry folder, string idempotencyKey) =>
        new(layout.DeliveryMarker(accountId, folder.FolderId, idempotencyKey), MailboxJsonContext.Default.DeliveryMarker);

    /// <summary>
    /// Step 4: streams the message into its blob with its flags as metadata. When an earlier
    /// attempt of the same delivery already uploaded it (409), that blob is kept. Returns the size.
    /// </summary>
    public async Task<long> UploadAsync(string accountId, FolderEntry folder, PendingChange reservation, Stream content, MessageFlags flags, DateTimeOffset internalDate, string? deliveryHash, CancellationToken cancellationToken)
    {
        var blob = layout.Message(accountId, folder.FolderId, reservation.Uid!.Value);
        var metadata = new MessageMetadata(flags, internalDate, reservation.ModSeq);
        await using var counted = new CountingReadStream(content);
        var upload = new BlobUploadOptions
        {
            Metadata = metadata.ToDictionary(deliveryHash),
            HttpHeaders = new BlobHttpHeaders { ContentType = MessageContentType },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            // Small messages go in one request; large ones are staged block by block, never held whole.
            TransferOptions = new StorageTransferOptions
            {
                InitialTransferSize = options.UploadBlockBytes,
                MaximumTransferSize = options.UploadBlockBytes,
                MaximumConcurrency = 1,
            },
        };
        try
        {
            await blob.UploadAsync(counted, upload, cancellationToken).ConfigureAwait(false);
            return counted.BytesRead;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 && deliveryHash is not null)
        {
            var existing = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return existing.Value.ContentLength;
        }
    }

    /// <summary>Step 5: makes the message visible. Throws <see cref="TimeoutException"/> if the reservation went stale meanwhile.</summary>
    public async Task CompleteAsync(string accountId, FolderEntry folder, PendingChange reservation, long size, CancellationToken cancellationToken)
    {
        var outcome = await states.CompleteAsync(accountId, folder.FolderId, reservation, messageDelta: 1, sizeDelta: size, cancellationToken).ConfigureAwait(false);
        if (outcome == CompletionOutcome.Abandoned)
        {
            // Readers may already show higher UIDs: this one must never appear. The caller retries under a new UID.
            await layout.Message(accountId, folder.FolderId, reservation.Uid!.Value).DeleteIfExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            logger.LogWarning("Append of UID {Uid} to folder {FolderId} of account {AccountId} outlived its reservation and was abandoned", reservation.Uid, folder.FolderId, accountId);
            throw new TimeoutException($"The append of UID {reservation.Uid} took longer than {options.PendingTimeout} and was abandoned; retry it.");
        }
    }

    /// <summary>
    /// Steps 1 to 3 for a keyed delivery: the delivery's UID and the reservation this attempt
    /// continues with (null: the delivery is complete already); null when a concurrent twin
    /// changed the marker first (start over).
    /// </summary>
    private async Task<(uint Uid, PendingChange? Reservation)?> ClaimAsync(string accountId, FolderEntry folder, JsonBlob<DeliveryMarker> marker, CancellationToken cancellationToken)
    {
        var existing = await marker.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var reservation = await ReserveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
            if (await TryWriteMarkerAsync(marker, reservation, replacing: null, cancellationToken).ConfigureAwait(false))
            {
                return (reservation.Uid!.Value, reservation);
            }

            await states.AbandonAsync(accountId, folder.FolderId, reservation, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var uid = existing.Value.Uid;
        var (state, _) = await states.ReadAsync(accountId, folder.FolderId, cancellationToken).ConfigureAwait(false);
        if (state.IsCompleted(uid))
        {
            logger.LogDebug("Delivery already stored as UID {Uid} in folder {FolderId} of account {AccountId}", uid, folder.FolderId, accountId);
            return (uid, null);
        }

        if (state.FindPendingUid(uid) is { } pending && !states.View(state).HiddenUids.Contains(uid))
        {
            // An earlier attempt reserved this UID and is still live (crashed or running): finish
            // its work. Same key, same message, so whichever upload lands first is the right one.
            return (uid, pending);
        }

        // The earlier attempt's reservation is stale or abandoned: its UID is hidden for good.
        // Start over under a new UID, replacing the marker only if it is still the one we read.
        await layout.Message(accountId, folder.FolderId, uid).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var renewed = await ReserveAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        if (await TryWriteMarkerAsync(marker, renewed, existing.ETag, cancellationToken).ConfigureAwait(false))
        {
            return (renewed.Uid!.Value, renewed);
        }

        await states.AbandonAsync(accountId, folder.FolderId, renewed, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task UploadAndCompleteAsync(string accountId, FolderEntry folder, PendingChange reservation, Stream content, MessageFlags flags, DateTimeOffset internalDate, string? deliveryHash, CancellationToken cancellationToken)
    {
        long size;
        try
        {
            size = await UploadAsync(accountId, folder, reservation, content, flags, internalDate, deliveryHash, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Release the UID at once rather than holding readers back until it goes stale.
            await states.AbandonAsync(accountId, folder.FolderId, reservation, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await CompleteAsync(accountId, folder, reservation, size, cancellationToken).ConfigureAwait(false);
    }
}
