using System.Buffers;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using MailCloud.Core.Pipeline;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// Message bytes in Blob Storage: <c>&lt;accountId&gt;/&lt;generated id&gt;</c> in the mailbox container,
/// written once and never rewritten. The name says nothing of folder or UID, so MOVE keeps the
/// blob and only moves its row. A blob is deleted right after the commit that stops referencing
/// it (best effort); the housekeeping sweep finds the ones a crash left behind. Rows of delivered
/// mail reference the accepted spool blob instead, which several accounts may share: the store
/// never deletes a blob outside its own container (see <see cref="IsOwned"/>); the spool sweep
/// deletes those once no row references them.
/// </summary>
internal sealed partial class MessageBlobs(BlobContainerClient container, MailboxStoreOptions options, ILogger logger)
{
    private const string MessageContentType = "message/rfc822";

    public BlobContainerClient Container { get; } = container;

    public MessageBlobReference NewReference(string accountId) => new(Container.Name, $"{accountId}/{Guid.NewGuid():N}");

    /// <summary>A blob in the mailbox container, referenced by one row only: the store may copy and delete it.</summary>
    public bool IsOwned(MessageBlobReference blob) => blob.Container == Container.Name;

    /// <summary>Messages up to this size are held in a pooled buffer and go up in one Put Blob.</summary>
    public const int SmallMessageBytes = 256 * 1024;

    /// <summary>
    /// Writes a message into a new blob; returns its size and header fields. A small message is
    /// read into a pooled buffer and sent in one Put Blob; a larger one streams (staged blocks).
    /// </summary>
    public async Task<(long Size, SearchHeaders? Headers)> UploadAsync(MessageBlobReference blob, Stream content, CancellationToken cancellationToken)
    {
        await using var captured = new HeaderCaptureStream(content);
        var buffer = ArrayPool<byte>.Shared.Rent(SmallMessageBytes);
        try
        {
            var held = await captured.ReadAtLeastAsync(buffer.AsMemory(0, SmallMessageBytes), SmallMessageBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            var whole = held < SmallMessageBytes;
            await using var body = whole
                ? new MemoryStream(buffer, 0, held, writable: false)
                : (Stream)new PrefixedStream(buffer.AsMemory(0, held), captured);
            await UploadCoreAsync(blob, body, cancellationToken).ConfigureAwait(false);
            return (captured.BytesRead, captured.ParseHeaders());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task UploadCoreAsync(MessageBlobReference blob, Stream body, CancellationToken cancellationToken)
    {
        await Blob(blob).UploadAsync(body, new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = MessageContentType },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            // Small messages go in one request; large ones are staged block by block, never held whole.
            TransferOptions = new StorageTransferOptions
            {
                InitialTransferSize = options.UploadBlockBytes,
                MaximumTransferSize = options.UploadBlockBytes,
                MaximumConcurrency = 1,
            },
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A server-side copy (COPY gives each row its own blob, so deleting one never affects another).</summary>
    public async Task<bool> TryCopyAsync(MessageBlobReference source, MessageBlobReference destination, CancellationToken cancellationToken)
    {
        try
        {
            var copy = await Blob(destination).StartCopyFromUriAsync(Blob(source).Uri, cancellationToken: cancellationToken).ConfigureAwait(false);
            await copy.WaitForCompletionAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Expunged meanwhile: there is nothing to copy.
            return false;
        }
    }

    /// <summary>
    /// Opens a message's bytes — <paramref name="prefix"/>, then the blob's — optionally a range;
    /// null when the blob is gone (expunged). A range inside the prefix reads no blob.
    /// </summary>
    public async Task<Stream?> OpenAsync(MessageBlobReference blob, ReadOnlyMemory<byte> prefix, long offset, long? length, CancellationToken cancellationToken)
    {
        if (prefix.IsEmpty)
        {
            return await OpenAsync(blob, offset, length, cancellationToken).ConfigureAwait(false);
        }

        var head = prefix[(int)Math.Min(offset, prefix.Length)..];
        if (length is { } wanted && wanted <= head.Length)
        {
            return new MemoryStream(head[..(int)wanted].ToArray(), writable: false);
        }

        var rest = await OpenAsync(blob, Math.Max(0, offset - prefix.Length), length - head.Length, cancellationToken).ConfigureAwait(false);
        return rest is null ? null : new PrefixedStream(head, rest);
    }

    private async Task<Stream?> OpenAsync(MessageBlobReference blob, long offset, long? length, CancellationToken cancellationToken)
    {
        try
        {
            var download = await Blob(blob).DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(offset, length) }, cancellationToken).ConfigureAwait(false);
            return download.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            // A range starting at or past the end: IMAP partial fetch answers with an empty string (RFC 9051 §6.4.5).
            return Stream.Null;
        }
    }

    /// <summary>
    /// Deletes blobs of the mailbox container nothing references any more; failures are left for
    /// the housekeeping sweep. Blobs of other containers (shared spool blobs) are left to the spool sweep.
    /// </summary>
    public async Task DeleteUnreferencedAsync(IEnumerable<MessageBlobReference> blobs)
    {
        await Parallel.ForEachAsync(blobs.Where(IsOwned), new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelRequests }, async (blob, token) =>
        {
            try
            {
                await Blob(blob).DeleteIfExistsAsync(cancellationToken: token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RequestFailedException or IOException or HttpRequestException)
            {
                LogDeleteFailed(e, blob.Name);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>A row may name another container of the account: the spool, for delivered mail.</summary>
    private BlobClient Blob(MessageBlobReference blob) =>
        blob.Container == Container.Name
            ? Container.GetBlobClient(blob.Name)
            : Container.GetParentBlobServiceClient().GetBlobContainerClient(blob.Container).GetBlobClient(blob.Name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting unreferenced message blob {BlobName} failed; the housekeeping sweep will retry")]
    private partial void LogDeleteFailed(Exception exception, string blobName);
}
