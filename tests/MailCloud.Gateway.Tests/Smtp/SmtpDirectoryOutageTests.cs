using MailCloud.Core.Directory;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>
/// SMTP while the directory's storage is down (issue 14, defect 8): sessions are never dropped;
/// RCPT gets 451 4.3.0 and AUTH 454 4.7.0 only while no directory snapshot was ever read, and with
/// one read, mail and logins go on from it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpDirectoryOutageTests(AzuriteFixture azurite)
{
    private readonly StorageOutage _outage = new();

    [Fact]
    public async Task With_no_directory_ever_read_rcpt_gets_451_and_auth_454_and_the_session_stays()
    {
        await using var host = await StartAsync();
        // Written by another instance (as the CLI would), so this gateway has never read the directory.
        await SeedAsync(ActivatorUtilities.CreateInstance<BlobMailDirectory>(host.Services));
        _outage.IsDown = true;

        await using var mx = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await mx.CommandAsync("MAIL FROM:<sender@remote.test>")).Code);
        var rcpt = await mx.CommandAsync("RCPT TO:<bob@example.test>");
        Assert.Equal((451, "4.3.0"), (rcpt.Code, rcpt.Enhanced));
        Assert.Equal(250, (await mx.CommandAsync("NOOP")).Code);

        await using var submission = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Submission));
        var auth = await submission.CommandAsync("AUTH PLAIN " + Plain("alice@example.test", "alice-secret"));
        Assert.Equal((454, "4.7.0"), (auth.Code, auth.Enhanced));
        Assert.Equal(250, (await submission.CommandAsync("NOOP")).Code);
        Assert.True(_outage.FailedRequests > 0);

        // Storage back: the same sessions go on.
        _outage.IsDown = false;
        Assert.Equal(250, (await mx.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(235, (await submission.CommandAsync("AUTH PLAIN " + Plain("alice@example.test", "alice-secret"))).Code);
    }

    [Fact]
    public async Task With_the_directory_read_once_mail_and_logins_go_on_during_the_outage()
    {
        await using var host = await StartAsync(new() { ["Directory:CacheRevalidationInterval"] = "00:00:00.050" });
        await SeedAsync(host.Services.GetRequiredService<IMailDirectory>());
        _outage.IsDown = true;
        await Task.Delay(200); // the snapshot is now stale, so the next look-up asks storage

        await using var submission = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Submission));
        Assert.Equal(235, (await submission.CommandAsync("AUTH PLAIN " + Plain("alice@example.test", "alice-secret"))).Code);
        Assert.Equal(250, (await submission.CommandAsync("MAIL FROM:<alice@example.test>")).Code);
        Assert.Equal(250, (await submission.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(250, (await submission.CommandAsync("RCPT TO:<someone@remote.test>")).Code);
        Assert.Equal(354, (await submission.CommandAsync("DATA")).Code);
        Assert.Equal(250, (await submission.CommandAsync("Subject: during the outage\r\n\r\nhello\r\n.")).Code);

        await using var mx = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await mx.CommandAsync("MAIL FROM:<sender@remote.test>")).Code);
        Assert.Equal(250, (await mx.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(550, (await mx.CommandAsync("RCPT TO:<nobody@example.test>")).Code);
        Assert.True(_outage.FailedRequests > 0, "the directory did ask storage, and was refused");

        var envelope = Assert.Single(await host.ReceiveInboundAsync());
        Assert.Equal(["bob@example.test", "someone@remote.test"], envelope.Recipients.Select(r => r.Address));
    }

    private Task<GatewayTestHost> StartAsync(Dictionary<string, string?>? settings = null) =>
        GatewayTestHost.StartWithDirectoryOutageAsync(azurite, _outage, settings: settings);

    private static async Task SeedAsync(IMailDirectory directory)
    {
        await directory.AddDomainAsync(GatewayTestHost.Domain, CancellationToken.None);
        await directory.AddAccountAsync("alice@example.test", "alice-secret", null, null, CancellationToken.None);
        await directory.AddAccountAsync("bob@example.test", "bob-secret", null, null, CancellationToken.None);
    }

    private static string Plain(string user, string password) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
}
