using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailCloud.Core;
using MailCloud.Core.Certificates;
using MailCloud.Core.Certificates.Acme;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.Security;

/// <summary>
/// Certificates that renew themselves, against Pebble (Let's Encrypt's ACME test server) on loopback:
/// the renewal runs in a host of its own (the Functions app in Azure) and shares only Azurite with the
/// gateway; Pebble validates HTTP-01 against the gateway's HTTP port, which answers from the challenge
/// blobs; the running gateway presents each new certificate in real TLS handshakes without a restart.
/// Pebble refuses 30 % of valid nonces, so every run also exercises the badNonce retry.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AcmeCertificateRenewalTests(AzuriteFixture azurite)
{
    private const string MailHost = "mail.acme.test";
    private const string CertificateName = "gateway-tls";

    [Fact]
    public async Task Obtains_a_certificate_and_the_running_gateway_presents_it_and_each_forced_renewal()
    {
        await using var setup = await AcmeSetup.StartAsync(azurite);
        var before = await PresentedCertificateAsync(setup.Gateway);
        Assert.Equal(GatewayTestHost.HostName, before.GetNameInfo(X509NameType.SimpleName, false));

        var renewer = setup.Renewer([MailHost]);
        var first = await renewer.RenewIfDueAsync(force: false, CancellationToken.None);
        Assert.True(first.Renewed);
        var presented = await WaitForPresentedAsync(setup.Gateway, first.Thumbprint);
        Assert.True(presented.MatchesHostname(MailHost));
        Assert.Contains("Pebble", presented.Issuer, StringComparison.Ordinal);

        // Pebble's certificates live for years: the next check finds nothing due.
        var again = await renewer.RenewIfDueAsync(force: false, CancellationToken.None);
        Assert.False(again.Renewed);
        Assert.Equal(first.Thumbprint, again.Thumbprint);

        var forced = await renewer.RenewIfDueAsync(force: true, CancellationToken.None);
        Assert.True(forced.Renewed);
        Assert.NotEqual(first.Thumbprint, forced.Thumbprint);
        await WaitForPresentedAsync(setup.Gateway, forced.Thumbprint);

        // STARTTLS on the MX port takes the same certificate, as a real client sees it.
        Assert.Equal(forced.Thumbprint, await StartTlsThumbprintAsync(setup.Gateway));
        Assert.Empty(await setup.ChallengeBlobsAsync());
    }

    [Fact]
    public async Task A_name_the_ca_cannot_validate_fails_with_the_cas_error_and_leaves_the_certificate_alone()
    {
        await using var setup = await AcmeSetup.StartAsync(azurite);
        var renewer = setup.Renewer([MailHost, "unresolvable.acme.test"]);

        var failure = await Assert.ThrowsAsync<AcmeOrderFailedException>(() => renewer.RenewIfDueAsync(force: false, CancellationToken.None));
        Assert.Contains("unresolvable.acme.test", failure.Message, StringComparison.Ordinal);
        Assert.NotNull(failure.Problem);
        Assert.StartsWith(AcmeProblem.Namespace, failure.Problem.Type, StringComparison.Ordinal);
        Assert.Null(await setup.Store.GetCertificateVersionAsync(CertificateName, CancellationToken.None));
        Assert.Empty(await setup.ChallengeBlobsAsync());
        Assert.Equal(GatewayTestHost.HostName, (await PresentedCertificateAsync(setup.Gateway)).GetNameInfo(X509NameType.SimpleName, false));
    }

    [Fact]
    public async Task The_gateways_http_port_answers_a_pending_challenge_and_404s_anything_else()
    {
        await using var setup = await AcmeSetup.StartAsync(azurite, withPebble: false);
        await setup.Challenges.PutAsync("Zm9v_YmFy-1", "Zm9v_YmFy-1.thumb", CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{setup.HttpPort}") };

        using var answer = await http.GetAsync("/.well-known/acme-challenge/Zm9v_YmFy-1");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("application/octet-stream", answer.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Zm9v_YmFy-1.thumb", await answer.Content.ReadAsStringAsync());

        foreach (var path in new[] { "unknown", "Zm9v_YmFy-1.thumb", "..%2Fchallenges%2FZm9v_YmFy-1", "%2E%2E" })
        {
            using var missing = await http.GetAsync($"/.well-known/acme-challenge/{path}");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        await setup.Challenges.DeleteAsync("Zm9v_YmFy-1", CancellationToken.None);
        using var gone = await http.GetAsync("/.well-known/acme-challenge/Zm9v_YmFy-1");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private static async Task<X509Certificate2> WaitForPresentedAsync(GatewayTestHost gateway, string thumbprint)
    {
        // The gateway checks the store every second (Gateway:Tls:ReloadInterval).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var presented = await PresentedCertificateAsync(gateway);
            if (presented.Thumbprint == thumbprint || DateTime.UtcNow > deadline)
            {
                Assert.Equal(thumbprint, presented.Thumbprint);
                return presented;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>A TLS handshake with the implicit-TLS submission listener; the certificate it presents.</summary>
    private static async Task<X509Certificate2> PresentedCertificateAsync(GatewayTestHost gateway)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, gateway.Port(ListenerNames.Submissions));
        X509Certificate2? presented = null;
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
        {
            presented = new X509Certificate2(certificate!);
            return true;
        });
        await ssl.AuthenticateAsClientAsync(MailHost);
        return presented!;
    }

    private static async Task<string> StartTlsThumbprintAsync(GatewayTestHost gateway)
    {
        using var smtp = new SmtpClient();
        string? thumbprint = null;
        smtp.ServerCertificateValidationCallback = (_, certificate, _, _) =>
        {
            thumbprint = new X509Certificate2(certificate!).Thumbprint;
            return true;
        };
        await smtp.ConnectAsync("127.0.0.1", gateway.Port(ListenerNames.Mx), SecureSocketOptions.StartTls);
        await smtp.DisconnectAsync(quit: true);
        return thumbprint!;
    }

    /// <summary>dnsmasq (mail.acme.test → 127.0.0.1), the gateway on the certificate store, Pebble on the gateway's HTTP port.</summary>
    private sealed class AcmeSetup : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _owned = [];
        private readonly Dictionary<string, string?> _shared;
        private readonly List<ServiceProvider> _renewals = [];

        private AcmeSetup(Dictionary<string, string?> shared) => _shared = shared;

        public required GatewayTestHost Gateway { get; init; }

        public required int HttpPort { get; init; }

        public PebbleServer? Pebble { get; private set; }

        public ICertificateStore Store => Gateway.Services.GetRequiredService<ICertificateStore>();

        public IAcmeChallengeStore Challenges => Gateway.Services.GetRequiredService<IAcmeChallengeStore>();

        public static async Task<AcmeSetup> StartAsync(AzuriteFixture azurite, bool withPebble = true)
        {
            var container = $"acme{Guid.NewGuid():N}"[..24];
            var shared = new Dictionary<string, string?> { ["Certificates:Container"] = container };
            var httpPort = FreePorts.Next();
            var gateway = await GatewayTestHost.StartAsync(azurite, o =>
            {
                o.HealthPort = httpPort;
                o.Tls.StoredName = CertificateName;
                o.Tls.ReloadInterval = TimeSpan.FromSeconds(1);
            }, settings: shared);
            var setup = new AcmeSetup(shared) { Gateway = gateway, HttpPort = httpPort };
            setup._owned.Add(gateway);
            await gateway.Storage.Blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync();
            shared["Storage:ConnectionString"] = azurite.ConnectionString;
            if (withPebble)
            {
                var dns = await DnsServer.StartAsync([$"--address=/{MailHost}/127.0.0.1"]);
                setup._owned.Add(dns);
                setup.Pebble = await PebbleServer.StartAsync(httpPort, dns.Endpoint, nonceRejectPercent: 30);
                setup._owned.Add(setup.Pebble);
            }

            return setup;
        }

        /// <summary>The renewal as the Functions app runs it: a service provider of its own on the same storage.</summary>
        public CertificateRenewer Renewer(IReadOnlyList<string> hostNames)
        {
            var settings = new Dictionary<string, string?>(_shared)
            {
                ["Acme:Enabled"] = "true",
                ["Acme:DirectoryUrl"] = Pebble!.DirectoryUrl.ToString(),
                ["Acme:DirectoryTrustedRootPath"] = Pebble.TrustedRootPath,
                ["Acme:ContactEmail"] = "postmaster@acme.test",
                ["Acme:CertificateName"] = CertificateName,
                ["Acme:PollInterval"] = "00:00:00.200",
            };
            for (var i = 0; i < hostNames.Count; i++)
            {
                settings[$"Acme:HostNames:{i}"] = hostNames[i];
            }

            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var services = new ServiceCollection().AddLogging().AddMailCloudCore(configuration).AddAcmeRenewal(configuration).BuildServiceProvider();
            _renewals.Add(services);
            return services.GetRequiredService<CertificateRenewer>();
        }

        public async Task<List<string>> ChallengeBlobsAsync()
        {
            var names = new List<string>();
            var container = Gateway.Storage.Blobs.GetBlobContainerClient(_shared["Certificates:Container"]);
            await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "challenges/", CancellationToken.None))
            {
                names.Add(blob.Name);
            }

            return names;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var provider in _renewals)
            {
                await provider.DisposeAsync();
            }

            foreach (var owned in Enumerable.Reverse(_owned))
            {
                await owned.DisposeAsync();
            }
        }
    }
}
