using Azure;
using Azure.Storage.Blobs;

namespace MailCloud.Core.Certificates.Storage;

/// <summary>
/// HTTP-01 answers as blobs <c>challenges/&lt;token&gt;</c> in the ACME container, in Azure and locally:
/// the storage account is what the renewal (Functions) and the HTTP endpoint (gateway or function) share.
/// Tokens are checked against the base64url alphabet before they name a blob.
/// </summary>
public sealed class BlobAcmeChallengeStore(BlobContainerClient container) : IAcmeChallengeStore
{
    public async Task PutAsync(string token, string keyAuthorization, CancellationToken cancellationToken)
    {
        try
        {
            await Blob(token).UploadAsync(BinaryData.FromString(keyAuthorization), overwrite: true, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(ex);
        }
    }

    public async Task<string?> GetAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            return (await Blob(token).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(ex);
        }
    }

    public async Task DeleteAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            await Blob(token).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(ex);
        }
    }

    private BlobClient Blob(string token) =>
        AcmeToken.IsValid(token) ? container.GetBlobClient($"challenges/{token}") : throw new ArgumentException("Not an ACME token (base64url).", nameof(token));

    private CertificateStoreUnavailableException Unavailable(RequestFailedException ex) =>
        new($"The ACME challenge store ({container.Uri}) failed: {ex.Status} {ex.ErrorCode}", ex);
}
