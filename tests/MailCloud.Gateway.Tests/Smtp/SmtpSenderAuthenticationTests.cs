using System.Security.Cryptography;
using System.Text;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Security;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>
/// SPF, DKIM and DMARC on the MX against records served by dnsmasq, over real SMTP: what is
/// refused, what is stored with which Authentication-Results, and what the envelope says.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpSenderAuthenticationTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Selector = "s2026";
    private readonly RSA _key = RSA.Create(2048);
    private DnsServer? _dns;
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host!;

    public async Task InitializeAsync()
    {
        var publicKey = Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo());
        _dns = await DnsServer.StartAsync(
        [
            .. SenderDomains.DnsmasqRecords,
            // signed.test publishes no SPF but signs with DKIM.
            $"--txt-record={Selector}._domainkey.signed.test,v=DKIM1; k=rsa; p={publicKey[..200]},{publicKey[200..]}",
            "--txt-record=_dmarc.signed.test,v=DMARC1; p=reject",
        ]);
        _host = await GatewayTestHost.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Dns:Servers:0"] = _dns.Endpoint,
            ["Smtp:MaxHeaderSize"] = "8192",
        });
        await Host.SeedDirectoryAsync(("bob@example.test", "pw"));
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

        _key.Dispose();
    }

    [Fact]
    public async Task A_forged_from_of_a_p_reject_domain_is_refused_at_the_end_of_data_and_nothing_is_stored()
    {
        var reply = await SendAsync(Host, "attacker@elsewhere.test", Message("ceo@bank.test", "Wire the money"));

        Assert.Equal((550, "5.7.1"), (reply.Code, reply.Enhanced));
        Assert.Contains("DMARC policy of bank.test", reply.Lines[^1]);
        Assert.Empty(await Host.ReceiveInboundAsync());
        Assert.Equal(0, await Host.CountSpoolBlobsAsync());
    }

    [Fact]
    public async Task Aligned_spf_passes_and_the_verdict_is_recorded_first_in_the_message_and_in_the_envelope()
    {
        var reply = await SendAsync(Host, "orders@shop.test", Message("orders@shop.test", "Your order"));

        Assert.Equal(250, reply.Code);
        var envelope = Assert.Single(await Host.ReceiveInboundAsync());
        Assert.Equal(("pass", "none", "pass", "shop.test", false), (envelope.Authentication!.Spf, envelope.Authentication.Dkim, envelope.Authentication.Dmarc, envelope.Authentication.FromDomain, envelope.Authentication.Quarantine));
        var stored = await Host.ReadSpoolAsync(envelope.SpoolBlob);
        Assert.StartsWith(
            $"Authentication-Results: {GatewayTestHost.HostName};\r\n\tspf=pass smtp.mailfrom=shop.test;\r\n\tdkim=none;\r\n\tdmarc=pass (p=reject dis=none) header.from=shop.test\r\nReceived: from client.test ([127.0.0.1])",
            stored);
        Assert.Contains("\r\nSubject: Your order\r\n", stored);
        Assert.EndsWith("\r\n\r\nHello.\r\n", stored);
        Assert.Equal(Encoding.UTF8.GetByteCount(stored), envelope.Size);
    }

    [Fact]
    public async Task A_dkim_signature_aligns_without_spf_and_a_changed_body_is_refused()
    {
        var message = Message("billing@signed.test", "Invoice");
        Sign(message);

        var reply = await SendAsync(Host, "bounces@mailer.test", message);
        var tampered = await SendAsync(Host, "bounces@mailer.test", message, body => body.Replace("Hello.", "Pay account 666.", StringComparison.Ordinal));

        Assert.Equal(250, reply.Code);
        var envelope = Assert.Single(await Host.ReceiveInboundAsync());
        Assert.Equal(("none", "pass", "pass"), (envelope.Authentication!.Spf, envelope.Authentication.Dkim, envelope.Authentication.Dmarc));
        Assert.Contains($"\tdkim=pass header.d=signed.test header.s={Selector} header.b=", await Host.ReadSpoolAsync(envelope.SpoolBlob));
        Assert.Equal((550, "5.7.1"), (tampered.Code, tampered.Enhanced));
    }

    [Fact]
    public async Task P_quarantine_is_accepted_and_marked_for_the_junk_folder()
    {
        var reply = await SendAsync(Host, "news@mailer.test", Message("letters@news.test", "Weekly"));

        Assert.Equal(250, reply.Code);
        var envelope = Assert.Single(await Host.ReceiveInboundAsync());
        Assert.True(envelope.Authentication!.Quarantine);
        Assert.Contains("\tdmarc=fail (p=quarantine dis=quarantine) header.from=news.test\r\n", await Host.ReadSpoolAsync(envelope.SpoolBlob));
    }

    [Fact]
    public async Task An_arriving_authentication_results_in_our_name_is_removed_and_others_are_kept()
    {
        var message = Message("orders@shop.test", "Forged verdict");
        message.Headers.Insert(0, new Header("Authentication-Results", $"{GatewayTestHost.HostName}; dmarc=pass header.from=bank.test"));
        message.Headers.Insert(1, new Header("Authentication-Results", "relay.other.test; spf=pass smtp.mailfrom=shop.test"));

        Assert.Equal(250, (await SendAsync(Host, "orders@shop.test", message)).Code);

        var stored = await Host.ReadSpoolAsync(Assert.Single(await Host.ReceiveInboundAsync()).SpoolBlob);
        var parsed = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(stored)));
        var results = parsed.Headers.Where(h => h.Id == HeaderId.AuthenticationResults).Select(h => h.Value.Trim()).ToList();
        Assert.Equal(2, results.Count);
        Assert.StartsWith($"{GatewayTestHost.HostName};", results[0]);
        Assert.Contains("dmarc=pass (p=reject dis=none) header.from=shop.test", results[0]);
        Assert.Equal("relay.other.test; spf=pass smtp.mailfrom=shop.test", results[1]);
        Assert.DoesNotContain("header.from=bank.test", stored);
    }

    [Fact]
    public async Task A_header_section_over_the_limit_is_refused_with_552_and_nothing_is_stored()
    {
        var message = Message("orders@shop.test", "Big header");
        message.Headers.Add("X-Padding", new string('x', 900));
        for (var i = 0; i < 10; i++)
        {
            message.Headers.Add("X-Padding", new string('y', 900));
        }

        var reply = await SendAsync(Host, "orders@shop.test", message);

        Assert.Equal((552, "5.3.4"), (reply.Code, reply.Enhanced));
        Assert.Equal(0, await Host.CountSpoolBlobsAsync());
    }

    [Fact]
    public async Task When_dns_does_not_answer_mail_is_accepted_with_temperror_never_refused()
    {
        using var silent = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        await using var host = await GatewayTestHost.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Dns:Servers:0"] = silent.Client.LocalEndPoint!.ToString(),
            ["Dns:Timeout"] = "00:00:00.300",
            ["Dns:Retries"] = "0",
        });
        await host.SeedDirectoryAsync(("bob@example.test", "pw"));

        var reply = await SendAsync(host, "attacker@elsewhere.test", Message("ceo@bank.test", "Maybe forged"));

        Assert.Equal(250, reply.Code);
        var envelope = Assert.Single(await host.ReceiveInboundAsync());
        Assert.Equal(("temperror", "temperror", false), (envelope.Authentication!.Spf, envelope.Authentication.Dmarc, envelope.Authentication.Quarantine));
    }

    private static MimeMessage Message(string from, string subject) => new(
        new[] { MailboxAddress.Parse(from) },
        new[] { MailboxAddress.Parse("bob@example.test") },
        subject,
        new TextPart("plain") { Text = "Hello.\r\n" });

    private void Sign(MimeMessage message)
    {
        var signer = new DkimSigner(DotNetUtilities.GetRsaKeyPair(_key).Private, "signed.test", Selector, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        message.Prepare(EncodingConstraint.SevenBit);
        signer.Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject]);
    }

    /// <summary>One transaction over the raw client; returns the reply to the end of DATA.</summary>
    private static async Task<SmtpTestClient.Reply> SendAsync(GatewayTestHost host, string mailFrom, MimeMessage message, Func<string, string>? alter = null)
    {
        using var bytes = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, bytes);
        var text = Encoding.ASCII.GetString(bytes.ToArray());
        text = alter?.Invoke(text) ?? text;

        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync($"MAIL FROM:<{mailFrom}>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        return await client.CommandAsync(text.Replace("\r\n.", "\r\n..", StringComparison.Ordinal) + ".");
    }
}
