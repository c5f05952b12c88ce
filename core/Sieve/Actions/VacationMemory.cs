using Azure;
using Azure.Storage.Blobs.Models;
using MailCloud.Core.Configuration;
using MailCloud.Core.Pipeline.State;

namespace MailCloud.Core.Sieve.Actions;

/// <summary>
/// Which senders a vacation already answered (RFC 5230 §4.2, "once per sender per handle per period"):
/// one empty blob per account, handle and sender under <c>sieve-vacation/</c> in the spool container,
/// named by digests (no user input in paths), with the end of its period in the blob's metadata.
/// Outside <c>state/</c> on purpose: the marker sweep would delete it before a long period ends;
/// housekeeping calls <see cref="SweepAsync"/> instead, which deletes only what has expired.
/// </summary>
public sealed class VacationMemory(StorageClients storage)
{
    public const string Prefix = "sieve-vacation/";
    private const string ExpiresKey = "expires";

    /// <summary>True when <paramref name="sender"/> was answered for <paramref name="handle"/> and the period has not ended at <paramref name="now"/>.</summary>
    public async Task<bool> WasAnsweredAsync(string accountId, string handle, string sender, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await storage.Spool.GetBlobClient(Name(accountId, handle, sender)).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return IsCurrent(properties.Value.Metadata, now);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
        catch (RequestFailedException ex)
        {
            throw new VacationMemoryUnavailableException(ex);
        }
    }

    /// <summary>Remembers that <paramref name="sender"/> was answered until <paramref name="until"/>.</summary>
    public async Task RememberAsync(string accountId, string handle, string sender, DateTimeOffset until, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Spool.GetBlobClient(Name(accountId, handle, sender)).UploadAsync(
                BinaryData.Empty,
                new BlobUploadOptions { Metadata = new Dictionary<string, string> { [ExpiresKey] = until.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) } },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw new VacationMemoryUnavailableException(ex);
        }
    }

    /// <summary>Deletes the entries whose period ended before <paramref name="now"/>; returns how many.</summary>
    public async Task<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var deleted = 0;
        try
        {
            var options = new GetBlobsOptions { Prefix = Prefix, Traits = BlobTraits.Metadata };
            await foreach (var blob in storage.Spool.GetBlobsAsync(options, cancellationToken).ConfigureAwait(false))
            {
                if (!IsCurrent(blob.Metadata, now))
                {
                    await storage.Spool.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                    deleted++;
                }
            }
        }
        catch (RequestFailedException ex)
        {
            throw new VacationMemoryUnavailableException(ex);
        }

        return deleted;
    }

    private static bool IsCurrent(IDictionary<string, string> metadata, DateTimeOffset now) =>
        metadata.TryGetValue(ExpiresKey, out var text)
        && long.TryParse(text, out var expires)
        && now.ToUnixTimeSeconds() < expires;

    private static string Name(string accountId, string handle, string sender) =>
        $"{Prefix}{PipelineMarkers.Hash(accountId)}/{PipelineMarkers.Hash(handle + "\n" + sender.ToLowerInvariant())}";
}

/// <summary>The vacation memory could not be read or written.</summary>
public sealed class VacationMemoryUnavailableException(Exception inner) : Exception("The vacation memory is unavailable.", inner);
