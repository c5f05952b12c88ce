using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Pop3;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using static MailCloud.Gateway.Tests.Support.LineClient;

namespace MailCloud.Gateway.Tests.Security;

/// <summary>
/// SMTP AUTH, IMAP LOGIN/AUTHENTICATE and POP3 USER/PASS/AUTH go through the one authenticator, so
/// they agree on the same edge cases: an authorization identity differing only in case, one naming
/// another user, the LOGIN mechanism, and plaintext refused before STARTTLS/STLS and taken after it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AuthenticationAgreementTests(AzuriteFixture azurite)
{
    private const string Alice = "alice@example.test";
    private const string Secret = "alice-secret";

    private async Task<GatewayTestHost> StartAsync(bool plaintextOnLoopback = true)
    {
        var host = await GatewayTestHost.StartAsync(
            azurite,
            o => o.AllowPlaintextAuthOnLoopback = plaintextOnLoopback,
            s =>
            {
                s.AddImap();
                s.AddPop3();
            });
        await host.SeedDirectoryAsync((Alice, Secret), ("bob@example.test", "bob-secret"));
        return host;
    }

    [Theory]
    [InlineData("Alice@Example.TEST", true)]
    [InlineData("bob@example.test", false)]
    public async Task An_authorization_identity_is_judged_alike(string authorizationId, bool accepted)
    {
        await using var host = await StartAsync();
        var plain = Base64($"{authorizationId}\0{Alice}\0{Secret}");

        await using var smtp = await SmtpAsync(host);
        Assert.Equal(accepted ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authorization identity differs from authentication identity", await smtp.CommandAsync("AUTH PLAIN " + plain));

        await using var imap = await ImapAsync(host);
        var imapAnswer = await imap.CommandAsync("a1 AUTHENTICATE PLAIN " + plain);
        if (accepted)
        {
            Assert.StartsWith("a1 OK [CAPABILITY ", imapAnswer, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("a1 NO [AUTHORIZATIONFAILED] Authorization identity differs from authentication identity", imapAnswer);
        }

        await using var pop3 = await Pop3Async(host);
        Assert.Equal(
            accepted ? "+OK 0 messages" : "-ERR [AUTH] Authorization identity differs from authentication identity",
            await pop3.CommandAsync("AUTH PLAIN " + plain));
    }

    [Fact]
    public async Task The_login_mechanism_works_alike()
    {
        await using var host = await StartAsync();
        var (user, password) = (Base64(Alice), Base64(Secret));

        await using var smtp = await SmtpAsync(host);
        Assert.Equal("334 VXNlcm5hbWU6", await smtp.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", await smtp.CommandAsync(user));
        Assert.Equal("235 2.7.0 Authentication successful", await smtp.CommandAsync(password));

        await using var imap = await ImapAsync(host);
        Assert.Equal("+ VXNlcm5hbWU6", await imap.CommandAsync("a1 AUTHENTICATE LOGIN"));
        Assert.Equal("+ UGFzc3dvcmQ6", await imap.CommandAsync(user));
        Assert.StartsWith("a1 OK [CAPABILITY ", await imap.CommandAsync(password), StringComparison.Ordinal);

        await using var pop3 = await Pop3Async(host);
        Assert.Equal("+ VXNlcm5hbWU6", await pop3.CommandAsync("AUTH LOGIN"));
        Assert.Equal("+ UGFzc3dvcmQ6", await pop3.CommandAsync(user));
        Assert.Equal("+OK 0 messages", await pop3.CommandAsync(password));
    }

    [Fact]
    public async Task Mechanisms_are_announced_alike()
    {
        await using var host = await StartAsync();

        await using var smtp = await LineClient.ConnectAsync(host.Port(ListenerNames.Submission));
        await smtp.ReadLineAsync();
        await smtp.SendAsync("EHLO client.test\r\n");
        Assert.Contains("250-AUTH PLAIN LOGIN", await smtp.ReadUntilAsync(l => l.StartsWith("250 ", StringComparison.Ordinal)));

        await using var imap = await LineClient.ConnectAsync(host.Port(ListenerNames.Imap));
        Assert.Contains(" AUTH=PLAIN AUTH=LOGIN", await imap.ReadLineAsync(), StringComparison.Ordinal);

        await using var pop3 = await LineClient.ConnectAsync(host.Port(ListenerNames.Pop3));
        await pop3.ReadLineAsync();
        await pop3.SendAsync("CAPA\r\n");
        Assert.Contains("SASL PLAIN LOGIN", await pop3.ReadUntilAsync(l => l == "."));
    }

    [Fact]
    public async Task Plaintext_is_refused_before_tls_and_taken_after_it()
    {
        await using var host = await StartAsync(plaintextOnLoopback: false);
        var plain = Base64($"\0{Alice}\0{Secret}");

        await using var smtp = await LineClient.ConnectAsync(host.Port(ListenerNames.Submission));
        await smtp.ReadLineAsync();
        await smtp.SendAsync("EHLO client.test\r\n");
        Assert.DoesNotContain(await smtp.ReadUntilAsync(l => l.StartsWith("250 ", StringComparison.Ordinal)), l => l.Contains("AUTH", StringComparison.Ordinal));
        Assert.Equal("538 5.7.11 Encryption required for requested authentication mechanism", await smtp.CommandAsync("AUTH PLAIN " + plain));
        Assert.Equal("538 5.7.11 Encryption required for requested authentication mechanism", await smtp.CommandAsync("AUTH LOGIN"));
        Assert.Equal("220 2.0.0 Ready to start TLS", await smtp.CommandAsync("STARTTLS"));
        await smtp.StartTlsAsync();
        await smtp.SendAsync("EHLO client.test\r\n");
        await smtp.ReadUntilAsync(l => l.StartsWith("250 ", StringComparison.Ordinal));
        Assert.Equal("235 2.7.0 Authentication successful", await smtp.CommandAsync("AUTH PLAIN " + plain));

        await using var imap = await LineClient.ConnectAsync(host.Port(ListenerNames.Imap));
        Assert.Contains("LOGINDISABLED", await imap.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("a1 NO [PRIVACYREQUIRED] Plaintext login is disabled before STARTTLS", await imap.CommandAsync($"a1 LOGIN {Alice} {Secret}"));
        Assert.Equal("a2 NO [PRIVACYREQUIRED] Plaintext authentication is disabled before STARTTLS", await imap.CommandAsync("a2 AUTHENTICATE PLAIN " + plain));
        Assert.Equal("a3 NO [PRIVACYREQUIRED] Plaintext authentication is disabled before STARTTLS", await imap.CommandAsync("a3 AUTHENTICATE LOGIN"));
        Assert.Equal("a4 OK Begin TLS negotiation now", await imap.CommandAsync("a4 STARTTLS"));
        await imap.StartTlsAsync();
        Assert.StartsWith("a5 OK [CAPABILITY ", await imap.CommandAsync("a5 AUTHENTICATE PLAIN " + plain), StringComparison.Ordinal);

        await using var pop3 = await LineClient.ConnectAsync(host.Port(ListenerNames.Pop3));
        await pop3.ReadLineAsync();
        Assert.Equal("-ERR [AUTH] Use STLS before sending a password", await pop3.CommandAsync("USER " + Alice));
        Assert.Equal("-ERR [AUTH] Use STLS before authenticating", await pop3.CommandAsync("AUTH PLAIN " + plain));
        Assert.Equal("-ERR [AUTH] Use STLS before authenticating", await pop3.CommandAsync("AUTH LOGIN"));
        Assert.Equal("+OK Begin TLS negotiation", await pop3.CommandAsync("STLS"));
        await pop3.StartTlsAsync();
        Assert.Equal("+OK 0 messages", await pop3.CommandAsync("AUTH PLAIN " + plain));
    }

    private static async Task<LineClient> SmtpAsync(GatewayTestHost host)
    {
        var client = await LineClient.ConnectAsync(host.Port(ListenerNames.Submission));
        await client.ReadLineAsync();
        await client.SendAsync("EHLO client.test\r\n");
        await client.ReadUntilAsync(l => l.StartsWith("250 ", StringComparison.Ordinal));
        return client;
    }

    private static async Task<LineClient> ImapAsync(GatewayTestHost host)
    {
        var client = await LineClient.ConnectAsync(host.Port(ListenerNames.Imap));
        await client.ReadLineAsync();
        return client;
    }

    private static async Task<LineClient> Pop3Async(GatewayTestHost host)
    {
        var client = await LineClient.ConnectAsync(host.Port(ListenerNames.Pop3));
        await client.ReadLineAsync();
        return client;
    }
}
