using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MailCloud.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Security;

/// <summary>
/// The gateway's TLS certificate. At start: the file in <see cref="GatewayOptions.Tls"/> (a PFX with
/// optional password, or a PEM certificate with a PEM key); with <see cref="TlsCertificateOptions.StoredName"/>
/// and no file, a self-signed certificate for the host name until the stored one is installed.
/// <see cref="Install"/> swaps the certificate while the gateway runs: each connection takes the
/// options current when it starts, so new connections (implicit TLS, STARTTLS, STLS) present the new
/// certificate and those already running keep theirs. Without any certificate, STARTTLS is not offered
/// and implicit-TLS listeners are not opened.
/// </summary>
public sealed class ServerCertificate : IDisposable
{
    private volatile Installed? _installed;

    public ServerCertificate(IOptions<GatewayOptions> options)
    {
        var gateway = options.Value;
        var certificate = Load(gateway.Tls);
        if (certificate is null && !string.IsNullOrWhiteSpace(gateway.Tls.StoredName))
        {
            certificate = SelfSignedCertificate.Create(gateway.HostName);
        }

        if (certificate is not null)
        {
            _installed = Create(certificate, intermediates: null);
        }
    }

    public X509Certificate2? Certificate => _installed?.Certificate;

    /// <summary>The TLS options for a connection starting now, or null without a certificate.</summary>
    public SslServerAuthenticationOptions? AuthenticationOptions => _installed?.Options;

    /// <summary>
    /// Presents <paramref name="certificate"/> (with its private key) and <paramref name="intermediates"/>
    /// to every connection from now on. The one replaced is not disposed: handshakes in flight may still use it.
    /// </summary>
    public void Install(X509Certificate2 certificate, X509Certificate2Collection intermediates)
    {
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("A server certificate needs its private key.", nameof(certificate));
        }

        _installed = Create(certificate, intermediates);
    }

    /// <summary>Loads the configured certificate, or null when none is configured. Throws when one is configured but unreadable.</summary>
    public static X509Certificate2? Load(TlsCertificateOptions tls)
    {
        if (string.IsNullOrWhiteSpace(tls.CertificatePath))
        {
            return null;
        }

        if (!File.Exists(tls.CertificatePath))
        {
            throw new FileNotFoundException($"TLS certificate '{tls.CertificatePath}' does not exist.", tls.CertificatePath);
        }

        if (!string.IsNullOrWhiteSpace(tls.KeyPath))
        {
            return string.IsNullOrEmpty(tls.Password)
                ? X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(tls.CertificatePath, tls.Password, tls.KeyPath);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(tls.CertificatePath, tls.Password);
    }

    public void Dispose() => _installed?.Certificate.Dispose();

    private static Installed Create(X509Certificate2 certificate, X509Certificate2Collection? intermediates)
    {
        var options = new SslServerAuthenticationOptions
        {
            // offline: the chain is what we were given; no AIA fetches during a handshake.
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, intermediates, offline: true),
            // TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and 1.1).
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = false,
        };
        TlsCipherPolicy.Apply(options);
        return new Installed(certificate, options);
    }

    private sealed record Installed(X509Certificate2 Certificate, SslServerAuthenticationOptions Options);
}
