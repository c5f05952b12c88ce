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

        await _content.SealAsync(cancellationToken).ConfigureAwait(false);
        if (!leadingBytes.IsEmpty)
        {
            await _content.StageLeadingBlockAsync(leadingBytes, cancellationToken).ConfigureAwait(false);
        }

        var options = new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "message/rfc822" },

            // Written once: a second commit under the same name must fail, never replace a message.
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        };

        try
        {
            await _blob.CommitBlockListAsync(_content.BlockIds, options, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new SpoolMessageExistsException(SpoolBlob, ex);
        }

        _committed = true;
        LogCommitted(SpoolBlob, _content.Length, _content.BlockIds.Count);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed spool blob {SpoolBlob}: {Size} bytes in {Blocks} blocks")]
    private partial void LogCommitted(string spoolBlob, long size, int blocks);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Abandoned spool blob {SpoolBlob} after {Size} bytes; its staged blocks expire unseen")]
    private partial void LogAbandoned(string spoolBlob, long size);
}
