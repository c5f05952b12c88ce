using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailCloud.Gateway.Security;

/// <summary>
/// A self-signed server certificate for tests and local mode: ECDSA P-256, valid for the host
/// name, localhost and 127.0.0.1 (subject alternative names), server authentication only.
/// </summary>
public static class SelfSignedCertificate
{
    public static X509Certificate2 Create(string hostName, TimeSpan? lifetime = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);

        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        if (!string.Equals(hostName, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            names.AddDnsName("localhost");
        }

        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));

        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(lifetime ?? TimeSpan.FromDays(365)));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null);
    }

    /// <summary>Writes <paramref name="certificate"/> with its key as a PFX file (no password) readable only by its owner.</summary>
    public static void SavePfx(X509Certificate2 certificate, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>Loads the PFX at <paramref name="path"/>, creating it first if missing or expired (local mode keeps one).</summary>
    public static X509Certificate2 LoadOrCreate(string path, string hostName)
    {
        if (File.Exists(path))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
            if (existing.NotAfter > DateTime.Now.AddDays(7))
            {
                return existing;
            }

            existing.Dispose();
        }

        var created = Create(hostName);
        SavePfx(created, path);
        return created;
    }
}
