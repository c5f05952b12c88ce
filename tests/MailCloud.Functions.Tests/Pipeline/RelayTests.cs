using System.Security.Cryptography;
using MailCloud.Core.Directory;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using MimeKit;
using MimeKit.Cryptography;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>Starts the DNS server the relay tests resolve through: MX records on loopback, and a null MX.</summary>
public sealed class RelayDnsFixture : IAsyncLifetime
{
    public DnsServer Dns { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The free port is chosen before dnsmasq binds it; on a shared machine another process may take it first.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Dns = await DnsServer.StartAsync(
                [
                    "--mx-host=remote.test,mx.remote.test,10",
                    "--host-record=mx.remote.test,127.0.0.1",
                    // RFC 7505 null MX: preference 0, exchange "." (the root label, one zero byte).
                    "--dns-rr=nullmx.test,15,000000",
                ]);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    public async Task DisposeAsync() => await Dns.DisposeAsync();
}

/// <summary>Relay to a real SMTP server on loopback, found through a real DNS server.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RelayTests(AzuriteFixture azurite, RelayDnsFixture dns) : IClassFixture<RelayDnsFixture>
{
    private readonly RSA _dkimKey = RSA.Create(2048);

    [Fact]
    public async Task Submitted_mail_reaches_the_remote_mx_once_and_dkim_signed()
    {
        await using var remote = new RemoteMta();
        await using var host = await CreateHostAsync(remote.Port);
        await SenderAsync(host);
        await host.StartAsync();

        await host.SubmitAsync("sender@example.test", ["bob@remote.test"], PipelineTestHost.NewMessage("sender@example.test", "bob@remote.test", "over the wire"), authenticatedUser: "sender@example.test");

        await WaitForAsync(() => remote.Received.Count >= 1);
        await host.WaitForIdleAsync();
        var received = Assert.Single(remote.Received);
        Assert.Equal("sender@example.test", received.MailFrom);
        Assert.Equal(["bob@remote.test"], received.Recipients);
        var message = MimeMessage.Load(new MemoryStream(received.Data));
        Assert.Equal("over the wire", message.Subject);
        var signature = message.Headers.IndexOf(HeaderId.DkimSignature);
        Assert.True(signature >= 0, "no DKIM-Signature header");
        Assert.Contains("d=example.test", message.Headers[signature].Value);
        Assert.True(await new DkimVerifier(new TestDkimKeyLocator(_dkimKey)).VerifyAsync(message, message.Headers[signature]));
    }

    [Fact]
    public async Task Remote_4xx_is_retried_until_delivered()
    {
        await using var remote = new RemoteMta();
        remote.Refuse(451, "4.3.0 try again later", times: 2);
        await using var host = await CreateHostAsync(remote.Port);
        var sender = await SenderAsync(host);
        await host.StartAsync();

        await host.SubmitAsync("sender@example.test", ["bob@remote.test"], PipelineTestHost.NewMessage("sender@example.test", "bob@remote.test", "persistence"));

        await WaitForAsync(() => remote.Received.Count >= 1);
        await host.WaitForIdleAsync();
        Assert.Single(remote.Received);
        Assert.Empty(await host.ReadInboxAsync(sender.Id));
    }

    [Fact]
    public async Task Remote_5xx_bounces_to_the_sender_with_the_remote_reply()
    {
        await using var remote = new RemoteMta();
        remote.Refuse(550, "5.1.1 no such user here");
        await using var host = await CreateHostAsync(remote.Port);
        var sender = await SenderAsync(host);
        await host.StartAsync();

        await host.SubmitAsync("sender@example.test", ["nobody@remote.test"], PipelineTestHost.NewMessage("sender@example.test", "nobody@remote.test", "doomed"));

        var (_, status) = await DsnAssert.SingleFailureAsync(host, sender.Id, "5.1.1");
        Assert.Equal("dns; mx.remote.test", status["Remote-MTA"]);
        Assert.Contains("550", status["Diagnostic-Code"]);
        Assert.Empty(remote.Received);
    }

    [Fact]
    public async Task Remote_down_past_the_retry_period_bounces_once()
    {
        var closedPort = new RemoteMta();
        var port = closedPort.Port;
        await closedPort.DisposeAsync();
        await using var host = await CreateHostAsync(port, new Dictionary<string, string?> { ["Relay:MaxRetryPeriod"] = "00:00:01.5" });
        var sender = await SenderAsync(host);
        await host.StartAsync();

        await host.SubmitAsync("sender@example.test", ["bob@remote.test"], PipelineTestHost.NewMessage("sender@example.test", "bob@remote.test", "nobody home"));

        await DsnAssert.SingleFailureAsync(host, sender.Id, "4.4.7");
    }

    [Fact]
    public async Task Null_mx_domain_bounces_at_once()
    {
        await using var remote = new RemoteMta();
        await using var host = await CreateHostAsync(remote.Port);
        var sender = await SenderAsync(host);
        await host.StartAsync();

        await host.SubmitAsync("sender@example.test", ["anyone@nullmx.test"], PipelineTestHost.NewMessage("sender@example.test", "anyone@nullmx.test", "no mail here"));

        Assert.Equal("5.1.10", DsnAssert.SingleRecipient(Assert.Single(await host.WaitForInboxAsync(sender.Id)))["Status"]);
        Assert.Empty(remote.Received);
    }

    [Fact]
    public async Task Forwarding_through_an_alias_rewrites_a_foreign_sender_with_srs()
    {
        await using var remote = new RemoteMta();
        await using var host = await CreateHostAsync(remote.Port);
        await SenderAsync(host);
        await host.Directory.AddAliasAsync("forward@example.test", ["carol@remote.test"], default);
        await host.StartAsync();

        await host.SubmitAsync("someone@elsewhere.test", ["forward@example.test"], PipelineTestHost.NewMessage("someone@elsewhere.test", "forward@example.test", "pass it on"));

        await WaitForAsync(() => remote.Received.Count >= 1);
        var received = Assert.Single(remote.Received);
        Assert.Equal(["carol@remote.test"], received.Recipients);
        Assert.StartsWith("SRS0=", received.MailFrom);
        Assert.EndsWith("=elsewhere.test=someone@example.test", received.MailFrom);
    }

    [Fact]
    public async Task Mail_from_outside_forwarded_through_an_alias_is_arc_sealed_and_never_dkim_signed_as_ours()
    {
        // An outsider writes From: ceo@example.test to an alias of ours that forwards to a remote
        // address: the copy that leaves must not carry our DKIM signature (it would make the forgery
        // pass DMARC at the next hop); it carries our ARC seal with what we saw on arrival.
        await using var remote = new RemoteMta();
        await using var host = await CreateHostAsync(remote.Port);
        await SenderAsync(host);
        await host.Directory.AddAliasAsync("forward@example.test", ["carol@remote.test"], default);
        await host.StartAsync();
        var verdict = new Core.Queueing.EnvelopeAuthentication { Spf = "fail", Dkim = "none", Dmarc = "fail", FromDomain = "example.test" };

        await host.SubmitAsync("forger@elsewhere.test", ["forward@example.test"], PipelineTestHost.NewMessage("ceo@example.test", "forward@example.test", "wire the money"), authentication: verdict);

        await WaitForAsync(() => remote.Received.Count >= 1);
        var message = MimeMessage.Load(new MemoryStream(Assert.Single(remote.Received).Data));
        Assert.Equal("wire the money", message.Subject);
        Assert.Equal(-1, message.Headers.IndexOf(HeaderId.DkimSignature));
        Assert.Equal($"i=1; {PipelineTestHost.HostName}; spf=fail; dkim=none; dmarc=fail", Normalize(message.Headers[HeaderId.ArcAuthenticationResults] ?? ""));
        Assert.Contains("cv=none", message.Headers[HeaderId.ArcSeal], StringComparison.Ordinal);
        var arc = await new ArcVerifier(new TestDkimKeyLocator(_dkimKey)).VerifyAsync(message);
        Assert.Equal(ArcSignatureValidationResult.Pass, arc.Chain);
    }

    [Fact]
    public async Task A_bounce_we_generate_is_dkim_signed_by_the_domain_above_our_host_name()
    {
        // The DSN's From: is MAILER-DAEMON@mx.example.test; example.test's key aligns with it (relaxed).
        await using var remote = new RemoteMta();
        await using var host = await CreateHostAsync(remote.Port, new Dictionary<string, string?> { ["Pipeline:HostName"] = "mx.example.test" });
        await SenderAsync(host);
        await host.StartAsync();

        // Mail from a remote sender to an address we do not have: the DSN goes back out through the relay.
        await host.SubmitAsync("bob@remote.test", ["nobody@example.test"], PipelineTestHost.NewMessage("bob@remote.test", "nobody@example.test", "anyone there?"));

        await WaitForAsync(() => remote.Received.Count >= 1);
        var received = Assert.Single(remote.Received);
        Assert.Equal("", received.MailFrom);
        var message = MimeMessage.Load(new MemoryStream(received.Data));
        var signature = message.Headers.IndexOf(HeaderId.DkimSignature);
        Assert.True(signature >= 0, "no DKIM-Signature on the DSN");
        Assert.Contains("d=example.test", message.Headers[signature].Value, StringComparison.Ordinal);
        Assert.True(await new DkimVerifier(new TestDkimKeyLocator(_dkimKey)).VerifyAsync(message, message.Headers[signature]));
    }

    private static string Normalize(string header) => string.Join(' ', header.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private Task<PipelineTestHost> CreateHostAsync(int mxPort, IDictionary<string, string?>? extra = null) =>
        RelayTestHosts.CreateAsync(azurite, dns.Dns, mxPort, _dkimKey, extra);

    private static Task<Account> SenderAsync(PipelineTestHost host) => RelayTestHosts.SenderAsync(host);

    private static Task WaitForAsync(Func<bool> condition) => RelayTestHosts.WaitForAsync(condition);
}
