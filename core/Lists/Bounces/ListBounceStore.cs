using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using MailCloud.Core.Addresses;
using MailCloud.Core.Configuration;

namespace MailCloud.Core.Lists.Bounces;

/// <summary>
/// Bounce records in the lists container, one blob per list and member: <c>&lt;list key&gt;/bounces/&lt;member hash&gt;.json</c>
/// (the list key is the escaped lower-case list address; the member is hashed, so no member address becomes
/// a path). Changed by compare-and-swap on the blob's ETag and retried on a lost race, as two bounces for the
/// same member may be routed at once. Storage failures leave as <see cref="ListBounceStoreUnavailableException"/>.
/// </summary>
public sealed class ListBounceStore(StorageClients storage)
{
    private const int MaxWriteAttempts = 20;

    private readonly BlobContainerClient _container = storage.Lists;

    public static string Prefix(string listAddress) => $"{Uri.EscapeDataString(EmailAddress.Parse(listAddress).Key)}/bounces/";

    /// <summary>Adds a hard bounce of <paramref name="postId"/> (once per post) and forgets posts before <paramref name="forgetBefore"/>; returns the record as stored.</summary>
    public async Task<BounceRecord> RecordAsync(string listAddress, string member, string postId, DateTimeOffset at, DateTimeOffset forgetBefore, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(listAddress, member));
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var (current, version) = await ReadAsync(blob, cancellationToken).ConfigureAwait(false);
            var changed = (current ?? new BounceRecord(listAddress, member, [])).With(postId, at, forgetBefore);
            if (current is not null && changed.Posts.SequenceEqual(current.Posts))
            {
                return current;
            }

            var conditions = version is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All };
            if (await TryWriteAsync(blob, changed, conditions, cancellationToken).ConfigureAwait(false))
            {
                return changed;
            }
        }

        throw new ListBounceStoreUnavailableException($"Other writers kept changing {_container.Name}/{blob.Name}; gave up after {MaxWriteAttempts} attempts.");
    }

    public async Task<BounceRecord?> GetAsync(string listAddress, string member, CancellationToken cancellationToken) =>
        (await ReadAsync(_container.GetBlobClient(BlobName(listAddress, member)), cancellationToken).ConfigureAwait(false)).Record;

    /// <summary>Every bounce record of a list.</summary>
    public async Task<IReadOnlyList<BounceRecord>> ListAsync(string listAddress, CancellationToken cancellationToken)
    {
        var names = await TranslateFailuresAsync("list", Prefix(listAddress), async () =>
        {
            var found = new List<string>();
            try
            {
                await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix(listAddress) }, cancellationToken).ConfigureAwait(false))
                {
                    found.Add(item.Name);
                }
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                return found;
            }

            return found;
        }).ConfigureAwait(false);

        var records = new List<BounceRecord>();
        foreach (var name in names)
        {
            if ((await ReadAsync(_container.GetBlobClient(name), cancellationToken).ConfigureAwait(false)).Record is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    /// <summary>Forgets a member's bounces (removed from the list, or no bounce left within memory).</summary>
    public Task DeleteAsync(string listAddress, string member, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(listAddress, member));
        return TranslateFailuresAsync("delete", blob.Name, async () =>
            (await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value);
    }

    private static string BlobName(string listAddress, string member) =>
        Prefix(listAddress) + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(EmailAddress.Parse(member).Key)))[..32] + ".json";

    private Task<(BounceRecord? Record, ETag? Version)> ReadAsync(BlobClient blob, CancellationToken cancellationToken) =>
        TranslateFailuresAsync<(BounceRecord?, ETag?)>("read", blob.Name, async () =>
        {
            try
            {
                var download = await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false);
                return (BounceRecord.Deserialize(download.Value.Content), download.Value.Details.ETag);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound || e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                return (null, null);
            }
        });

    private Task<bool> TryWriteAsync(BlobClient blob, BounceRecord record, BlobRequestConditions conditions, CancellationToken cancellationToken) =>
        TranslateFailuresAsync("write", blob.Name, async () =>
        {
            try
            {
                await blob.UploadAsync(record.Serialize(), new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
            {
                return false;
            }
        });

    private async Task<T> TranslateFailuresAsync<T>(string operation, string blobName, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            throw new ListBounceStoreUnavailableException($"Could not {operation} {_container.Name}/{blobName}: status {e.Status} {e.ErrorCode}.", e);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is RequestFailedException or IOException))
        {
            throw new ListBounceStoreUnavailableException($"Could not {operation} {_container.Name}/{blobName}: {e.InnerExceptions[^1].Message}.", e);
        }
    }
}
