using MailCloud.Core.Directory;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>
/// A bare <c>postmaster</c> (RFC 5321 §4.1.1.3, §4.5.1) is our primary domain's postmaster, and a user
/// may send as their own address with a +detail (RFC 5233), over real SMTP.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpPostmasterTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host!;

    public async Task InitializeAsync()
    {
        _host = await GatewayTestHost.StartAsync(azurite);
        var directory = Host.Services.GetRequiredService<IMailDirectory>();
        // Hosted first, so "the first domain" would be the wrong answer: the host name mx.example.test says example.test.
        await directory.AddDomainAsync("aaa.test", CancellationToken.None);
        await Host.SeedDirectoryAsync(("alice@example.test", "alice-secret"), ("bob@example.test", "bob-secret"));
        await directory.AddAliasAsync("postmaster@example.test", ["bob@example.test"], CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Rcpt_to_a_bare_postmaster_in_any_case_is_the_primary_domains_postmaster()
    {
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(Host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<someone@remote.test>")).Code);
        Assert.Equal((250, "2.1.5"), (await client.CommandAsync("RCPT TO:<Postmaster>")).Status);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        Assert.Equal(250, (await client.CommandAsync("Subject: abuse report\r\n\r\nx\r\n.")).Code);

        var envelope = Assert.Single(await Host.ReceiveInboundAsync());
        Assert.Equal("postmaster@example.test", Assert.Single(envelope.Recipients).Address);
    }

    [Fact]
    public async Task Mail_from_a_bare_postmaster_is_read_as_the_primary_domains_postmaster()
    {
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(Host.Port(ListenerNames.Mx));
        Assert.Equal((250, "2.1.0"), (await client.CommandAsync("MAIL FROM:<postmaster>")).Status);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<alice@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        Assert.Equal(250, (await client.CommandAsync("Subject: from postmaster\r\n\r\nx\r\n.")).Code);

        var envelope = Assert.Single(await Host.ReceiveInboundAsync());
        Assert.Equal("postmaster@example.test", envelope.MailFrom);
    }

    [Fact]
    public async Task On_submission_a_bare_postmaster_sender_is_only_for_whom_the_postmaster_alias_reaches()
    {
        await using (var alice = await SubmissionAsync("alice@example.test", "alice-secret"))
        {
            Assert.Equal((553, "5.7.1"), (await alice.CommandAsync("MAIL FROM:<postmaster>")).Status);
        }

        await using var bob = await SubmissionAsync("bob@example.test", "bob-secret");
        Assert.Equal(250, (await bob.CommandAsync("MAIL FROM:<postmaster>")).Code);
    }

    [Fact]
    public async Task A_user_sends_from_their_address_with_a_detail_in_mail_from_and_from()
    {
        var message = new MimeMessage([MailboxAddress.Parse("alice+shop@example.test")], [MailboxAddress.Parse("friend@remote.test")], "Tagged", new TextPart("plain") { Text = "Hi." });
        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await client.ConnectAsync("127.0.0.1", Host.Port(ListenerNames.Submission), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("alice@example.test", "alice-secret");
            await client.SendAsync(message, MailboxAddress.Parse("alice+shop@example.test"), [MailboxAddress.Parse("friend@remote.test")]);
            await client.DisconnectAsync(true);
        }

        var envelope = Assert.Single(await Host.ReceiveInboundAsync());
        Assert.Equal("alice+shop@example.test", envelope.MailFrom);

        // Someone else's address with a detail is still someone else's.
        await using var bob = await SubmissionAsync("bob@example.test", "bob-secret");
        Assert.Equal((553, "5.7.1"), (await bob.CommandAsync("MAIL FROM:<alice+shop@example.test>")).Status);
    }

    private async Task<SmtpTestClient> SubmissionAsync(string user, string password)
    {
        var client = await SmtpTestClient.ConnectAndGreetAsync(Host.Port(ListenerNames.Submission));
        Assert.Equal(235, (await client.CommandAsync($"AUTH PLAIN {LineClient.Base64($"\0{user}\0{password}")}")).Code);
        return client;
    }
}
