using System.Security.Cryptography.X509Certificates;
using Azure;
using Azure.Core;
using Azure.Security.KeyVault.Certificates;
using Azure.Security.KeyVault.Secrets;

namespace MailCloud.Core.Certificates.Storage;

/// <summary>
/// The certificate store in Azure: the certificate is a Key Vault certificate (imported as PKCS#12, so
/// the portal and Key Vault's expiry events see it); it is read back, key included, through the secret
/// Key Vault keeps beside every certificate (same name, the PKCS#12 base64). The ACME account key is the
/// secret <c>acme-account-&lt;name&gt;</c>. Writers need Key Vault Certificates Officer and Secrets
/// Officer; readers (the gateway) Secrets User.
/// </summary>
public sealed class KeyVaultCertificateStore(Uri vaultUri, TokenCredential credential) : ICertificateStore
{
    private readonly CertificateClient _certificates = new(vaultUri, credential);
    private readonly SecretClient _secrets = new(vaultUri, credential);

    public async Task<StoredCertificate?> GetCertificateAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            KeyVaultSecret secret = await _secrets.GetSecretAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return StoredCertificate.Import(Convert.FromBase64String(secret.Value), secret.Properties.Version);
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
            // The secret's current version (Key Vault has no conditional GET; the value is a few KB).
            KeyVaultSecret secret = await _secrets.GetSecretAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
            return secret.Properties.Version;
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
            var import = new ImportCertificateOptions(name, StoredCertificate.Export(leaf, intermediates))
            {
                Policy = new CertificatePolicy(WellKnownIssuerNames.Unknown, leaf.Subject) { ContentType = CertificateContentType.Pkcs12, Exportable = true },
            };
            await _certificates.ImportCertificateAsync(import, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(name, ex);
        }
    }

    public async Task<string> GetOrAddAccountKeyAsync(string name, string candidatePem, CancellationToken cancellationToken)
    {
        var secretName = $"acme-account-{name}";
        try
        {
            KeyVaultSecret existing = await _secrets.GetSecretAsync(secretName, cancellationToken: cancellationToken).ConfigureAwait(false);
            return existing.Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Key Vault has no create-if-absent; the renewal runs from one timer, so a race is unlikely and costs one spare account.
            try
            {
                await _secrets.SetSecretAsync(new KeyVaultSecret(secretName, candidatePem) { Properties = { ContentType = "application/x-pem-file" } }, cancellationToken).ConfigureAwait(false);
                return candidatePem;
            }
            catch (RequestFailedException write)
            {
                throw Unavailable(secretName, write);
            }
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(secretName, ex);
        }
    }

    private CertificateStoreUnavailableException Unavailable(string name, RequestFailedException ex) =>
        new($"Key Vault {vaultUri} failed for '{name}': {ex.Status} {ex.ErrorCode}", ex);
}
