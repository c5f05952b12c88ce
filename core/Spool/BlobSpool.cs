using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using MailCloud.Core.Configuration;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Spool;

/// <summary>
/// The spool on Azure Blob Storage (the <see cref="StorageClients.Spool"/> container): each
/// message is a block blob written once with If-None-Match: *: in one Put Blob when it fits one
/// block, otherwise staged block by block and committed.
/// </summary>
public sealed partial class BlobSpool(StorageClients storage, TimeProvider time, ILogger<BlobSpool> logger) : ISpool
{
    /// <summary>4 MiB: few requests for large mail, bounded memory per writer.</summary>
    public const int BlockSize = 4 * 1024 * 1024;

    private readonly BlobContainerClient _container = storage.Spool;

    public Task<ISpoolWriter> CreateAsync(string messageId, CancellationToken cancellationToken)
    {
        var name = SpoolBlobName.For(messageId, time.GetUtcNow());
        ISpoolWriter writer = new BlobSpoolWriter(_container.GetBlockBlobClient(name), BlockSize, logger);
        return Task.FromResult(writer);
    }

    public async Task<Stream> OpenReadAsync(string spoolBlob, CancellationToken cancellationToken)
    {
        SpoolBlobName.Validate(spoolBlob);
        try
        {
            var download = await _container.GetBlobClient(spoolBlob).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return download.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound || ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            throw new SpoolMessageNotFoundException(spoolBlob);
        }
    }

    public async Task<SpoolHead> ReadHeadAsync(string spoolBlob, int maxBytes, CancellationToken cancellationToken)
    {
        SpoolBlobName.Validate(spoolBlob);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        try
        {
            var download = await _container.GetBlobClient(spoolBlob).DownloadContentAsync(
                new BlobDownloadOptions { Range = new HttpRange(0, maxBytes) }, cancellationToken).ConfigureAwait(false);
            var bytes = download.Value.Content.ToMemory();
            return new SpoolHead(bytes, TotalSize(download.Value.Details.ContentRange) ?? bytes.Length);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.BlobNotFound || ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            throw new SpoolMessageNotFoundException(spoolBlob);
        }
        catch (RequestFailedException ex) when (ex.Status == 416)
        {
            // A range of an empty blob.
            return new SpoolHead(ReadOnlyMemory<byte>.Empty, 0);
        }
    }

    /// <summary>The total from a Content-Range of "bytes first-last/total" (RFC 9110 §14.4).</summary>
    private static long? TotalSize(string? contentRange) =>
        contentRange is not null && contentRange.LastIndexOf('/') is var slash and >= 0
            && long.TryParse(contentRange.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var total)
            ? total
            : null;

    public async Task DeleteAsync(string spoolBlob, CancellationToken cancellationToken)
    {
        SpoolBlobName.Validate(spoolBlob);
        var deleted = await _container.GetBlobClient(spoolBlob).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (deleted.Value)
        {
            LogDeleted(spoolBlob);
        }
    }

    public async IAsyncEnumerable<SpoolEntry> ListAsync(DateTimeOffset olderThan, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var lastDay = DateOnly.FromDateTime(olderThan.UtcDateTime);
        await foreach (var blob in _container.GetBlobsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!IsSpoolBlob(blob.Name))
            {
                continue;
            }

            // Names sort by their day prefix: past the cut-off day, nothing further can be old enough.
            if (SpoolBlobName.DayOf(blob.Name) > lastDay)
            {
                yield break;
            }

            var createdAt = blob.Properties.CreatedOn ?? blob.Properties.LastModified ?? DateTimeOffset.MaxValue;
            if (createdAt < olderThan)
            {
                yield return new SpoolEntry(blob.Name, blob.Properties.ContentLength ?? 0, createdAt);
            }
        }
    }

    private static bool IsSpoolBlob(string name)
    {
        try
        {
            SpoolBlobName.Validate(name);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deleted spool blob {SpoolBlob}")]
    private partial void LogDeleted(string spoolBlob);
}
