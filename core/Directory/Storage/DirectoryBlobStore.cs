using System.Net;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace MailCloud.Core.Directory.Storage;

/// <summary>
/// Reads and writes the directory document blob. Reads are conditional (If-None-Match) so an
/// unchanged directory costs one bodiless 304; writes are compare-and-swap on the ETag (If-Match,
/// or If-None-Match: * for the first write) so concurrent writers never lose each other's changes.
/// Storage failures leave as <see cref="DirectoryUnavailableException"/>: SDK types stay in here.
/// </summary>
internal sealed class DirectoryBlobStore(BlobContainerClient container)
{
    public const string BlobName = "directory.json";

    private readonly BlobClient _blob = container.GetBlobClient(BlobName);

    /// <summary>The stored directory (empty when none is stored), or null when it is still at <paramref name="knownVersion"/>.</summary>
    public Task<DirectorySnapshot?> ReadIfChangedAsync(string? knownVersion, CancellationToken cancellationToken) =>
        TranslateFailuresAsync("read", () => ReadCoreAsync(knownVersion, cancellationToken), cancellationToken);

    /// <summary>Stores the document if the blob is still at <paramref name="expectedVersion"/>; returns the new version, or null when another writer got there first.</summary>
    public Task<string?> TryWriteAsync(DirectoryDocument document, string expectedVersion, CancellationToken cancellationToken) =>
        TranslateFailuresAsync("write", () => TryWriteCoreAsync(document, expectedVersion, cancellationToken), cancellationToken);

    private async Task<DirectorySnapshot?> ReadCoreAsync(string? knownVersion, CancellationToken cancellationToken)
    {
        var conditions = string.IsNullOrEmpty(knownVersion) ? null : new BlobRequestConditions { IfNoneMatch = new ETag(knownVersion) };
        try
        {
            var response = await _blob.DownloadContentAsync(new BlobDownloadOptions { Conditions = conditions }, cancellationToken).ConfigureAwait(false);
            if (response.GetRawResponse().Status == (int)HttpStatusCode.NotModified)
            {
                return null;
            }

            return DirectoryDocument.Deserialize(response.Value.Content).ToSnapshot(response.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return DirectorySnapshot.Empty;
        }
    }

    private async Task<string?> TryWriteCoreAsync(DirectoryDocument document, string expectedVersion, CancellationToken cancellationToken)
    {
        var conditions = string.IsNullOrEmpty(expectedVersion)
            ? new BlobRequestConditions { IfNoneMatch = ETag.All }
            : new BlobRequestConditions { IfMatch = new ETag(expectedVersion) };
        var options = new BlobUploadOptions
        {
            Conditions = conditions,
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
        };
        try
        {
            var response = await _blob.UploadAsync(document.Serialize(), options, cancellationToken).ConfigureAwait(false);
            return response.Value.ETag.ToString();
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
        {
            return null;
        }
    }

    /// <summary>
    /// What the SDK throws when storage is down or refuses us: an error response, a transport failure
    /// (status 0), an <see cref="AggregateException"/> once retries are spent, or a network timeout.
    /// </summary>
    private async Task<T> TranslateFailuresAsync<T>(string operation, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            throw Unavailable(operation, $"status {e.Status} {e.ErrorCode}".TrimEnd(), e);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is RequestFailedException or IOException or OperationCanceledException))
        {
            throw Unavailable(operation, e.InnerExceptions[^1].Message, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(operation, "timed out", e);
        }
    }

    private DirectoryUnavailableException Unavailable(string operation, string reason, Exception inner) =>
        new($"Could not {operation} the directory ({_blob.BlobContainerName}/{BlobName}): {reason}.", inner);
}
