using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MailCloud.Core.Configuration;

namespace MailCloud.Core.Pipeline.State;

/// <summary>
/// "This already happened" markers that make stage effects exactly-once over at-least-once
/// queues: empty blobs under <c>state/</c> in the spool container, created with If-None-Match: *
/// so only the first writer wins. A marker is written after its effect, so a crash in between
/// repeats the effect; each effect is therefore also idempotent downstream (deterministic ids).
/// </summary>
public sealed class PipelineMarkers(StorageClients storage)
{
    public const string Prefix = "state/";

    private readonly BlobContainerClient _container = storage.Spool;

    /// <summary>The marker for a recipient the relay is done with (delivered, or failed and bounced).</summary>
    public static string RelayDone(string messageId, string recipient) => $"relay/{Hash(messageId)}/{Hash(recipient.ToLowerInvariant())}";

    /// <summary>The marker for one DSN, named by what it reports.</summary>
    public static string BounceSent(string failureKey) => $"bounce/{failureKey}";

    public async Task<bool> ExistsAsync(string marker, CancellationToken cancellationToken)
    {
        var response = await _container.GetBlobClient(Prefix + marker).ExistsAsync(cancellationToken).ConfigureAwait(false);
        return response.Value;
    }

    /// <summary>Creates the marker; false when it already existed.</summary>
    public async Task<bool> TryCreateAsync(string marker, CancellationToken cancellationToken)
    {
        try
        {
            await _container.GetBlobClient(Prefix + marker).UploadAsync(
                BinaryData.Empty,
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>How many markers there are under <paramref name="prefix"/> (one listing page for the small counts it is used for).</summary>
    public async Task<int> CountAsync(string prefix, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix + prefix }, cancellationToken).ConfigureAwait(false))
        {
            count++;
        }

        return count;
    }

    /// <summary>Deletes markers older than <paramref name="olderThan"/>; no message can be redelivered after that. Returns how many.</summary>
    public async Task<int> SweepAsync(DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix }, cancellationToken).ConfigureAwait(false))
        {
            if (blob.Properties.LastModified < olderThan)
            {
                await _container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>A short, path-safe digest: user input never becomes a blob path.</summary>
    public static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}
