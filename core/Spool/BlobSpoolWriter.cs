using System.Buffers;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Spool;

/// <summary>One message being written to the spool; see <see cref="ISpoolWriter"/>.</summary>
internal sealed partial class BlobSpoolWriter : ISpoolWriter
{
    private readonly BlockBlobClient _blob;
    private readonly SpoolBlockStream _content;
    private readonly ILogger _logger;
    private bool _committed;

    public BlobSpoolWriter(BlockBlobClient blob, int blockSize, ILogger logger)
    {
        _blob = blob;
        _content = new SpoolBlockStream(blob, blockSize);
        _logger = logger;
    }

    public string SpoolBlob => _blob.Name;

    public Stream Content => _content;

    /// <exception cref="SpoolMessageExistsException">A blob of this name was already committed.</exception>
    public async Task<long> CommitAsync(ReadOnlyMemory<byte> leadingBytes, CancellationToken cancellationToken)
    {
        if (_committed)
        {
            throw new InvalidOperationException($"Spool blob '{SpoolBlob}' is already committed.");
        }

        var headers = new BlobHttpHeaders { ContentType = "message/rfc822" };

        // Written once: a second commit under the same name must fail, never replace a message.
        var onlyOnce = new BlobRequestConditions { IfNoneMatch = ETag.All };
        long size;
        try
        {
            size = _content.TryGetUnstagedContent(out var content)
                ? await PutWholeAsync(leadingBytes, content, headers, onlyOnce, cancellationToken).ConfigureAwait(false)
                : await CommitBlocksAsync(leadingBytes, headers, onlyOnce, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new SpoolMessageExistsException(SpoolBlob, ex);
        }

        _committed = true;
        LogCommitted(SpoolBlob, size, _content.BlockIds.Count);
        return size;
    }

    /// <summary>A message that never filled a block: one Put Blob of the leading bytes and the content.</summary>
    private async Task<long> PutWholeAsync(ReadOnlyMemory<byte> leadingBytes, ReadOnlyMemory<byte> content, BlobHttpHeaders headers, BlobRequestConditions conditions, CancellationToken cancellationToken)
    {
        var size = leadingBytes.Length + content.Length;
        var whole = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            leadingBytes.CopyTo(whole);
            content.CopyTo(whole.AsMemory(leadingBytes.Length));

            // A seekable stream of known length, so the client sends it in one request.
            using var body = new MemoryStream(whole, 0, size, writable: false);
            await _blob.UploadAsync(body, new BlobUploadOptions { HttpHeaders = headers, Conditions = conditions }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(whole);
        }

        return size;
    }

    /// <summary>Stages the rest, then the leading bytes as a block listed first, and commits the list.</summary>
    private async Task<long> CommitBlocksAsync(ReadOnlyMemory<byte> leadingBytes, BlobHttpHeaders headers, BlobRequestConditions conditions, CancellationToken cancellationToken)
    {
        await _content.SealAsync(cancellationToken).ConfigureAwait(false);
        if (!leadingBytes.IsEmpty)
        {
            await _content.StageLeadingBlockAsync(leadingBytes, cancellationToken).ConfigureAwait(false);
        }

        await _blob.CommitBlockListAsync(_content.BlockIds, new CommitBlockListOptions { HttpHeaders = headers, Conditions = conditions }, cancellationToken).ConfigureAwait(false);
        return _content.Length;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            LogAbandoned(SpoolBlob, _content.Length);
        }

        await _content.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed spool blob {SpoolBlob}: {Size} bytes, {Blocks} staged blocks (none: one Put Blob)")]
    private partial void LogCommitted(string spoolBlob, long size, int blocks);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Abandoned spool blob {SpoolBlob} after {Size} bytes; its staged blocks expire unseen")]
    private partial void LogAbandoned(string spoolBlob, long size);
}
