using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Certificates;

/// <summary>
/// The HTTP client the ACME client speaks through: one per process, trusting the system's roots, or only
/// <see cref="AcmeOptions.DirectoryTrustedRootPath"/> when set (a private CA, Pebble).
/// </summary>
public sealed class AcmeHttpClient : IDisposable
{
    public AcmeHttpClient(IOptions<AcmeOptions> options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (options.Value.DirectoryTrustedRootPath is { Length: > 0 } rootPath)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(File.ReadAllText(rootPath)));
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }

        Http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        // RFC 8555 §6.1: clients SHOULD send a User-Agent.
        Http.DefaultRequestHeaders.UserAgent.ParseAdd("MailCloud-ACME/1.0");
    }

    public HttpClient Http { get; }

    public void Dispose() => Http.Dispose();
}
