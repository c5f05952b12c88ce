using System.Security.Cryptography.X509Certificates;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Security;

namespace MailCloud.Gateway.Tests.Hosting;

public sealed class GatewayConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailcloud-cert-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_self_signed_certificate_names_the_host_localhost_and_loopback()
    {
        using var certificate = SelfSignedCertificate.Create("mx.example.test");
        Assert.True(certificate.HasPrivateKey);
        Assert.True(certificate.MatchesHostname("mx.example.test"));
        Assert.True(certificate.MatchesHostname("localhost"));
        Assert.True(certificate.MatchesHostname("127.0.0.1"));
        Assert.False(certificate.MatchesHostname("other.test"));
    }

    [Fact]
    public void Loads_a_pfx_and_a_pem_pair()
    {
        using var original = SelfSignedCertificate.Create("mx.example.test");
        var pfx = Path.Combine(_directory, "server.pfx");
        SelfSignedCertificate.SavePfx(original, pfx);
        var certPem = Path.Combine(_directory, "server.crt");
        var keyPem = Path.Combine(_directory, "server.key");
        File.WriteAllText(certPem, original.ExportCertificatePem());
        File.WriteAllText(keyPem, original.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

        using var fromPfx = ServerCertificate.Load(new TlsCertificateOptions { CertificatePath = pfx });
        using var fromPem = ServerCertificate.Load(new TlsCertificateOptions { CertificatePath = certPem, KeyPath = keyPem });
        Assert.Equal(original.Thumbprint, fromPfx!.Thumbprint);
        Assert.Equal(original.Thumbprint, fromPem!.Thumbprint);
        Assert.True(fromPem.HasPrivateKey);
        Assert.Null(ServerCertificate.Load(new TlsCertificateOptions()));
        Assert.Throws<FileNotFoundException>(() => ServerCertificate.Load(new TlsCertificateOptions { CertificatePath = Path.Combine(_directory, "missing.pfx") }));
    }

    [Fact]
    public void Local_mode_reuses_its_stored_certificate()
    {
        var path = Path.Combine(_directory, "dev.pfx");
        using var first = SelfSignedCertificate.LoadOrCreate(path, "localhost");
        using var second = SelfSignedCertificate.LoadOrCreate(path, "localhost");
        Assert.Equal(first.Thumbprint, second.Thumbprint);
    }

    [Fact]
    public void The_validator_refuses_duplicate_listeners_bad_addresses_and_bad_proxy_ranges()
    {
        var options = new GatewayOptions
        {
            Listeners = [.. DefaultListeners.Copy(DefaultListeners.Dev), new ListenerOptions { Name = "MX", Address = "not-an-ip", Port = 70000 }],
            TrustedProxies = ["10.0.0.0/8", "10.0.0.0/99"],
        };
        var result = new GatewayOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("more than one listener named 'mx'", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(result.Failures!, f => f.Contains("'not-an-ip' is not an IP address", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Port", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("10.0.0.0/99", StringComparison.Ordinal));
        Assert.True(new GatewayOptionsValidator().Validate(null, new GatewayOptions { Listeners = DefaultListeners.Copy(DefaultListeners.Cloud) }).Succeeded);
    }

    [Fact]
    public void The_validator_refuses_a_tls_handshake_timeout_that_is_not_positive()
    {
        var listeners = DefaultListeners.Copy(DefaultListeners.Dev);
        Assert.All(listeners, l => Assert.Equal(TimeSpan.FromSeconds(15), l.TlsHandshakeTimeout));
        listeners[0].TlsHandshakeTimeout = TimeSpan.Zero;
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions { Listeners = listeners });
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains($"'{listeners[0].Name}': timeouts must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public void The_default_sets_cover_every_protocol_port()
    {
        Assert.Equal([25, 587, 465, 143, 993, 110, 995, 4190], DefaultListeners.Standard.Select(l => l.PublicPort));
        // The container runs as non-root: unprivileged ports, the same ones local mode uses on loopback.
        Assert.Equal([2525, 2587, 2465, 2143, 2993, 2110, 2995, 6190], DefaultListeners.Cloud.Select(l => l.Port));
        Assert.Equal(DefaultListeners.Cloud.Select(l => l.Port), DefaultListeners.Dev.Select(l => l.Port));
        Assert.All(DefaultListeners.Cloud, l => Assert.Equal("0.0.0.0", l.Address));
        Assert.All(DefaultListeners.Dev, l => Assert.Equal("127.0.0.1", l.Address));
        Assert.Equal(TlsMode.Implicit, DefaultListeners.Cloud.Single(l => l.Port == 2465).Tls);
        Assert.Equal(SmtpRole.Submission, DefaultListeners.Cloud.Single(l => l.Port == 2587).SmtpRole);
        Assert.Equal(
            [ListenerNames.Mx, ListenerNames.Submission, ListenerNames.Submissions, ListenerNames.Imap, ListenerNames.Imaps, ListenerNames.Pop3, ListenerNames.Pop3s, ListenerNames.ManageSieve],
            DefaultListeners.Cloud.Select(l => l.Name));
    }

    [Fact]
    public void Imap_listeners_keep_a_silent_client_for_30_minutes_and_a_session_for_a_day()
    {
        // RFC 9051 §5.4: the autologout timer is at least 30 minutes; IDLE clients stay connected for days.
        Assert.All(DefaultListeners.Cloud.Where(l => l.Protocol == MailProtocol.Imap), l =>
        {
            Assert.Equal(TimeSpan.FromMinutes(30), l.IdleTimeout);
            Assert.Equal(TimeSpan.FromDays(1), l.SessionTimeout);
        });
    }
}
