using System.Net;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace MailCloud.Core.Directory.Storage;

/// <summary>
/// Reads and writes the directory document blob. Reads are conditional (If-None-Match) so an
/// unchanged directory costs one bodiless 304; writes are compare-and-swap on the ETag (If-Match,
/// or If-None-Match: * for the first write) so concurrent writers never lose each other's changes.
/// </summary>
internal sealed class DirectoryBlobStore(BlobContainerClient container)
{
    public const string BlobName = "directory.json";

    private readonly BlobClient _blob = container.GetBlobClient(BlobName);

    /// <summary>The stored directory (empty when none is stored), or null when it is still at <paramref name="knownVersion"/>.</summary>
    public async Task<DirectorySnapshot?> ReadIfChangedAsync(string? knownVersion, CancellationToken cancellationToken)
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

    /// <summary>Stores the document if the blob is still at <paramref name="expectedVersion"/>; returns the new version, or null when another writer got there first.</summary>
    public async Task<string?> TryWriteAsync(DirectoryDocument document, string expectedVersion, CancellationToken cancellationToken)
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
}
