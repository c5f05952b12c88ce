namespace MailCloud.Core.Certificates;

public enum CertificateStoreKind
{
    /// <summary>A blob container in the storage account (local mode, tests).</summary>
    Blob,

    /// <summary>Azure Key Vault certificates (the certificate) and secrets (the account key).</summary>
    KeyVault,
}

/// <summary>
/// Section "Certificates": where the gateway's certificate and the ACME account key are kept, and the
/// container that holds HTTP-01 challenge answers (always blob storage: the renewal and the HTTP
/// endpoint answering the CA run in different processes in Azure and share only storage).
/// </summary>
public sealed class CertificateStoreOptions
{
    public const string SectionName = "Certificates";

    public CertificateStoreKind Store { get; set; } = CertificateStoreKind.Blob;

    /// <summary>For <see cref="CertificateStoreKind.KeyVault"/>: https://&lt;vault&gt;.vault.azure.net/.</summary>
    public Uri? KeyVaultUri { get; set; }

    /// <summary>The blob container for challenge answers, and for certificates and account keys with <see cref="CertificateStoreKind.Blob"/>.</summary>
    public string Container { get; set; } = "acme";
}
