using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using MailCloud.Core.Authentication;
using MailCloud.Core.Authentication.Dkim;
using MailCloud.Core.Authentication.Dmarc;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Pipeline;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailCloud.Gateway.Tests.EndToEnd;

/// <summary>
/// A post from a p=reject domain through a list, as <c>mailcloud dev</c> runs it: over SMTP into the MX,
/// out to a remote member's MTA found through dnsmasq, and to a local member read over IMAP. The remote copy
/// is then judged by our own inbound checks, with DNS publishing the list domain's DKIM key and DMARC policy:
/// it passes DMARC, aligned with the list's domain, where the post as written would fail.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListDistributionEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private const string List = "team@example.test";
    private readonly RSA _dkimKey = RSA.Create(2048);
    private RemoteMta? _remote;
    private DnsServer? _dns;
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _remote = new RemoteMta();
        var key = Convert.ToBase64String(_dkimKey.ExportSubjectPublicKeyInfo());
        // A TXT string holds 255 octets (RFC 1035 §3.3.14): the key record is given as two, which DKIM joins.
        _dns = await DnsServer.StartAsync(
        [
            .. SenderDomains.DnsmasqRecords,
            "--mx-host=remote.test,mx.remote.test,10",
            "--host-record=mx.remote.test,127.0.0.1",
            "--txt-record=_dmarc.example.test,v=DMARC1; p=reject",
            $"--txt-record=s1._domainkey.example.test,v=DKIM1; k=rsa; p={key[..200]},{key[200..]}",
        ]);
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:SrsSecret"] = "end-to-end-test-secret-0123456789",
            ["Pipeline:RunnerPollInterval"] = "00:00:00.200",
            ["Directory:PasswordHashIterations"] = "1000",
            ["Dns:Servers:0"] = _dns.Endpoint,
            ["Relay:DnsServers:0"] = _dns.Endpoint,
            ["Relay:MxPort"] = _remote.Port.ToString(CultureInfo.InvariantCulture),
            ["Dkim:Keys:0:Domain"] = "example.test",
            ["Dkim:Keys:0:Selector"] = "s1",
            ["Dkim:Keys:0:PrivateKeyPem"] = _dkimKey.ExportRSAPrivateKeyPem(),
        };
        var pipelineConfiguration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _host = await GatewayTestHost.StartAsync(azurite, settings: settings, configureServices: services =>
        {
            services.AddImap();
            services.AddMailPipeline(pipelineConfiguration);
            services.AddLocalPipelineRunner();
        });
        await Host.SeedDirectoryAsync(("alice@example.test", Password));
        await Host.Services.GetRequiredService<IMailDirectory>().AddListAsync(List, ["alice@example.test", "carol@remote.test"], PostingPolicy.Anyone, [], CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_dns is not null)
        {
            await _dns.DisposeAsync();
        }

        if (_remote is not null)
        {
            await _remote.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_post_from_a_p_reject_domain_reaches_members_aligned_with_the_list_domain()
    {
        var post = new MimeMessage(new[] { new MailboxAddress("Olive Orders", "orders@shop.test") }, new[] { MailboxAddress.Parse(List) }, "Stock update", new TextPart("plain") { Text = "New stock arrives Monday." });
        using (var smtp = new SmtpClient { LocalDomain = "mailer.test" })
        {
            await smtp.ConnectAsync("127.0.0.1", Host.Port(ListenerNames.Mx), SecureSocketOptions.None);
            await smtp.SendAsync(post, MailboxAddress.Parse("orders@shop.test"), [MailboxAddress.Parse(List)]);
            await smtp.DisconnectAsync(true);
        }

        var remote = _remote!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (remote.Received.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var received = Assert.Single(remote.Received);
        Assert.Equal(["carol@remote.test"], received.Recipients);
        var links = Host.Services.GetRequiredService<ListLinks>();
        var team = new DistributionList(List, [], PostingPolicy.Anyone, []);
        Assert.Equal(links.BounceAddress(team, "carol@remote.test"), received.MailFrom);

        // The member's MX, as our own inbound verifier: SPF for the VERP sender (example.test publishes none), DKIM, DMARC.
        var authenticator = Host.Services.GetRequiredService<MessageAuthenticator>();
        var spf = await authenticator.CheckSenderAsync(IPAddress.Loopback, received.MailFrom, GatewayTestHost.HostName, "mx.remote.test", CancellationToken.None);
        var verdict = await authenticator.AuthenticateAsync("mx.remote.test", spf, new MemoryStream(received.Data), CancellationToken.None);
        Assert.Equal(DmarcResult.Pass, verdict.Dmarc.Result);
        Assert.Equal("example.test", verdict.Dmarc.FromDomain);
        Assert.Equal(DmarcPolicy.Reject, verdict.Dmarc.Policy);
        Assert.Contains(verdict.Dkim, d => d.Result == DkimResult.Pass && d.Domain == "example.test");
        Assert.False(verdict.Reject);

        var copy = MimeMessage.Load(new MemoryStream(received.Data));
        Assert.Equal("Olive Orders via team", ((MailboxAddress)copy.From[0]).Name);
        Assert.Equal("orders@shop.test", ((MailboxAddress)Assert.Single(copy.ReplyTo)).Address);
        Assert.Contains($"<{links.UnsubscribeUrl(team, "carol@remote.test")}>", copy.Headers[HeaderId.ListUnsubscribe]);

        using var imap = await Host.ConnectImapAsync("alice@example.test", Password);
        await EndToEndMail.WaitForCountAsync(imap, imap.Inbox, 1);

        var mine = await imap.Inbox.GetMessageAsync(0);
        Assert.Equal("Stock update", mine.Subject);
        Assert.Equal("<team.example.test>", mine.Headers[HeaderId.ListId]);
        Assert.Equal("<mailto:team@example.test>", mine.Headers[HeaderId.ListPost]);
        Assert.Equal("List-Unsubscribe=One-Click", mine.Headers[HeaderId.ListUnsubscribePost]);
        Assert.Contains($"<{links.UnsubscribeUrl(team, "alice@example.test")}>", mine.Headers[HeaderId.ListUnsubscribe]);
        Assert.Contains($"<{links.UnsubscribeMailto(team, "alice@example.test")}>", mine.Headers[HeaderId.ListUnsubscribe]);
        Assert.Equal(List, ((MailboxAddress)mine.From[0]).Address);
    }
}
