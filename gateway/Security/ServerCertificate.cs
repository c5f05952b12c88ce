using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MailCloud.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Security;

/// <summary>
/// The gateway's TLS certificate, loaded once at start from <see cref="GatewayOptions.Tls"/>:
/// a PFX file (with optional password), or a PEM certificate with a PEM key.
/// Without one, STARTTLS is not offered and implicit-TLS listeners are not opened.
/// </summary>
public sealed class ServerCertificate : IDisposable
{
    public ServerCertificate(IOptions<GatewayOptions> options)
    {
        Certificate = Load(options.Value.Tls);
        if (Certificate is not null)
        {
            AuthenticationOptions = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(Certificate, additionalCertificates: null),
                // TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and 1.1).
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateRequired = false,
            };
            TlsCipherPolicy.Apply(AuthenticationOptions);
        }
    }

    public X509Certificate2? Certificate { get; }

    public SslServerAuthenticationOptions? AuthenticationOptions { get; }

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

    public void Dispose() => Certificate?.Dispose();
}
