using System.Security.Cryptography.X509Certificates;

namespace MailCloud.Core.Certificates;

/// <summary>
/// Where the gateway's certificate (with its key and chain) and the ACME account key are kept. The
/// renewal writes, every gateway instance reads. Storage failures are <see cref="CertificateStoreUnavailableException"/>.
/// </summary>
public interface ICertificateStore
{
    /// <summary>The certificate stored under <paramref name="name"/>, or null when none is.</summary>
    Task<StoredCertificate?> GetCertificateAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// A cheap check for a change: the stored version (a blob ETag, a Key Vault version), or null when
    /// nothing is stored. A reader polls this and loads the certificate only when it changed.
    /// </summary>
    Task<string?> GetCertificateVersionAsync(string name, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="leaf"/> (with its private key) and the chain above it as the new version.</summary>
    Task SaveCertificateAsync(string name, X509Certificate2 leaf, X509Certificate2Collection intermediates, CancellationToken cancellationToken);

    /// <summary>The account key (PKCS#8 PEM) kept under <paramref name="name"/>, storing <paramref name="candidatePem"/> first when there is none.</summary>
    Task<string> GetOrAddAccountKeyAsync(string name, string candidatePem, CancellationToken cancellationToken);
}

/// <summary>A stored certificate: the leaf with its private key, the intermediates to send with it, and the stored version.</summary>
public sealed class StoredCertificate : IDisposable
{
    private StoredCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates, string version)
    {
        Leaf = leaf;
        Intermediates = intermediates;
        Version = version;
    }

    public X509Certificate2 Leaf { get; }

    public X509Certificate2Collection Intermediates { get; }

    public string Version { get; }

    /// <summary>The PKCS#12 form stored (no password: the store's access control protects it).</summary>
    public static byte[] Export(X509Certificate2 leaf, X509Certificate2Collection intermediates)
    {
        var all = new X509Certificate2Collection(leaf);
        all.AddRange(intermediates);
        return all.Export(X509ContentType.Pkcs12)
            ?? throw new InvalidOperationException("The certificate could not be exported.");
    }

    /// <summary>Reads the PKCS#12 form: the one certificate with a private key is the leaf.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">Not PKCS#12, or no certificate in it has a key.</exception>
    public static StoredCertificate Import(ReadOnlySpan<byte> pkcs12, string version)
    {
        var all = X509CertificateLoader.LoadPkcs12Collection(pkcs12, password: null);
        var leaf = all.FirstOrDefault(c => c.HasPrivateKey)
            ?? throw new System.Security.Cryptography.CryptographicException("The stored certificate has no private key.");
        var intermediates = new X509Certificate2Collection();
        intermediates.AddRange(all.Where(c => !ReferenceEquals(c, leaf)).ToArray());
        return new StoredCertificate(leaf, intermediates, version);
    }

    public void Dispose()
    {
        Leaf.Dispose();
        foreach (var certificate in Intermediates)
        {
            certificate.Dispose();
        }
    }
}

/// <summary>The certificate store could not be read or written (storage or Key Vault failed or refused).</summary>
public sealed class CertificateStoreUnavailableException(string message, Exception inner) : Exception(message, inner);
