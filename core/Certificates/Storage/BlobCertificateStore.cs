using System.Security.Cryptography.X509Certificates;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace MailCloud.Core.Certificates.Storage;

/// <summary>
/// The certificate store of local mode and tests: blobs <c>certificates/&lt;name&gt;.pfx</c> and
/// <c>accounts/&lt;name&gt;.pem</c> in the ACME container. Why a blob and not a file: the renewal and
/// every gateway reach the same storage account (in tests, different hosts on one Azurite), and the
/// blob's ETag makes "has it changed?" one HEAD request.
/// </summary>
public sealed class BlobCertificateStore(BlobContainerClient container) : ICertificateStore
{
    public async Task<StoredCertificate?> GetCertificateAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var download = await CertificateBlob(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return StoredCertificate.Import(download.Value.Content.ToMemory().Span, download.Value.Details.ETag.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(name, ex);
        }
    }

    public async Task<string?> GetCertificateVersionAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var properties = await CertificateBlob(name).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return properties.Value.ETag.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(name, ex);
        }
    }

    public async Task SaveCertificateAsync(string name, X509Certificate2 leaf, X509Certificate2Collection intermediates, CancellationToken cancellationToken)
    {
        try
        {
            await CertificateBlob(name).UploadAsync(
                BinaryData.FromBytes(StoredCertificate.Export(leaf, intermediates)),
                new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-pkcs12" } },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(name, ex);
        }
    }

    public async Task<string> GetOrAddAccountKeyAsync(string name, string candidatePem, CancellationToken cancellationToken)
    {
        var blob = container.GetBlobClient($"accounts/{name}.pem");
        try
        {
            // If-None-Match: * so two renewals starting at once end with one account key.
            await blob.UploadAsync(
                BinaryData.FromString(candidatePem),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken).ConfigureAwait(false);
            return candidatePem;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            try
            {
                return (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToString();
            }
            catch (RequestFailedException read)
            {
                throw Unavailable(name, read);
            }
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(name, ex);
        }
    }

    private BlobClient CertificateBlob(string name) => container.GetBlobClient($"certificates/{name}.pfx");

    private CertificateStoreUnavailableException Unavailable(string name, RequestFailedException ex) =>
        new($"The certificate store ({container.Uri}) failed for '{name}': {ex.Status} {ex.ErrorCode}", ex);
}
