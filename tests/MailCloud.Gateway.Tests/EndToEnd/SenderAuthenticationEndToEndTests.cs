using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailCloud.Gateway.Tests.EndToEnd;

/// <summary>
/// DMARC policy end to end, as <c>mailcloud dev</c> runs: dnsmasq serves the senders' SPF and DMARC
/// records, MailKit sends over SMTP, the pipeline delivers, and MailKit reads the result over IMAP
/// with its Authentication-Results, from the folder the policy chose.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SenderAuthenticationEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private DnsServer? _dns;
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _dns = await DnsServer.StartAsync(SenderDomains.DnsmasqRecords);
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:SrsSecret"] = "end-to-end-test-secret-0123456789",
            ["Pipeline:RunnerPollInterval"] = "00:00:00.200",
            ["Directory:PasswordHashIterations"] = "1000",
            ["Dns:Servers:0"] = _dns.Endpoint,
        };
        var pipelineConfiguration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _host = await GatewayTestHost.StartAsync(azurite, settings: settings, configureServices: services =>
        {
            services.AddImap();
            services.AddMailPipeline(pipelineConfiguration);
            services.AddLocalPipelineRunner();
        });
        await Host.SeedDirectoryAsync(("alice@example.test", Password));
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
    }

    [Fact]
    public async Task A_forged_from_of_a_p_reject_domain_gets_550_5_7_1_and_never_reaches_a_mailbox()
    {
        using var smtp = await ConnectAsync();
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(smtp, Message("ceo@bank.test", "Wire the money"), "bounces@mailer.test"));

        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Contains("5.7.1", refused.Message);
        // The session goes on: the next, honest message is taken.
        await SendAsync(smtp, Message("orders@shop.test", "Your order"), "orders@shop.test");
        await smtp.DisconnectAsync(true);

        using var imap = await LoginAsync();
        var inbox = await WaitForMessagesAsync(imap, imap.Inbox, 1);
        var message = await inbox.GetMessageAsync(0);
        Assert.Equal("Your order", message.Subject);
        Assert.Contains("dmarc=pass (p=reject dis=none) header.from=shop.test", message.Headers[HeaderId.AuthenticationResults]);
    }

    [Fact]
    public async Task A_quarantine_policy_failure_is_filed_to_junk_with_its_results()
    {
        using (var smtp = await ConnectAsync())
        {
            await SendAsync(smtp, Message("letters@news.test", "Weekly offers"), "bounces@mailer.test");
            await smtp.DisconnectAsync(true);
        }

        using var imap = await LoginAsync();
        var junk = await WaitForMessagesAsync(imap, await imap.GetFolderAsync("Junk"), 1);
        var message = await junk.GetMessageAsync(0);
        Assert.Equal("Weekly offers", message.Subject);
        var results = message.Headers[HeaderId.AuthenticationResults] ?? "";
        Assert.StartsWith($"{GatewayTestHost.HostName};", results.Trim());
        Assert.Contains("spf=none smtp.mailfrom=mailer.test", results);
        Assert.Contains("dmarc=fail (p=quarantine dis=quarantine) header.from=news.test", results);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(0, imap.Inbox.Count);
    }

    [Fact]
    public async Task A_forged_authentication_results_in_our_name_is_gone_when_the_message_is_read()
    {
        var forged = Message("orders@shop.test", "Trust me");
        forged.Headers.Insert(0, new Header(HeaderId.AuthenticationResults, $"{GatewayTestHost.HostName}; spf=pass smtp.mailfrom=bank.test; dmarc=pass header.from=bank.test"));
        using (var smtp = await ConnectAsync())
        {
            await SendAsync(smtp, forged, "orders@shop.test");
            await smtp.DisconnectAsync(true);
        }

        using var imap = await LoginAsync();
        var message = await (await WaitForMessagesAsync(imap, imap.Inbox, 1)).GetMessageAsync(0);
        var results = message.Headers.Where(h => h.Id == HeaderId.AuthenticationResults).Select(h => h.Value).ToList();
        var ours = Assert.Single(results);
        Assert.Contains("dmarc=pass (p=reject dis=none) header.from=shop.test", ours);
        Assert.DoesNotContain("bank.test", ours);
    }

    [Fact]
    public async Task A_members_only_list_judges_the_poster_by_the_dmarc_aligned_from_not_mail_from()
    {
        var directory = Host.Services.GetRequiredService<IMailDirectory>();
        await directory.AddListAsync("team@example.test", ["alice@example.test", "orders@shop.test"], PostingPolicy.Members, [], CancellationToken.None);
        // Refused rather than held for the owners, so the judgement shows as a DSN.
        await directory.UpdateListAsync("team@example.test", l => l with { Settings = l.Settings with { NonMemberPosts = NonMemberPosts.Reject } }, CancellationToken.None);
        using var imap = await LoginAsync();

        // Anyone can write a member's address in MAIL FROM and From; example.test publishes no SPF or
        // DMARC here, so nothing vouches for it: refused, and the DSN goes to that address (alice).
        using (var smtp = await ConnectAsync())
        {
            await SendAsync(smtp, Message("alice@example.test", "Forged member", "team@example.test"), "alice@example.test");
            await smtp.DisconnectAsync(true);
        }

        var dsn = await (await WaitForMessagesAsync(imap, imap.Inbox, 1)).GetMessageAsync(0);
        Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Contains("Status: 5.7.1", dsn.ToString());

        // shop.test's SPF passes for 127.0.0.1, and MAIL FROM aligns with the From: the member posts.
        using (var smtp = await ConnectAsync())
        {
            await SendAsync(smtp, Message("orders@shop.test", "From a member", "team@example.test"), "orders@shop.test");
            await smtp.DisconnectAsync(true);
        }

        var posted = await (await WaitForMessagesAsync(imap, imap.Inbox, 2)).GetMessageAsync(1);
        Assert.Equal("From a member", posted.Subject);
        Assert.Equal("<team.example.test>", posted.Headers[HeaderId.ListId]);
    }

    private async Task<SmtpClient> ConnectAsync()
    {
        var smtp = new SmtpClient { LocalDomain = "mailer.test" };
        await smtp.ConnectAsync("127.0.0.1", Host.Port(ListenerNames.Mx), SecureSocketOptions.None);
        return smtp;
    }

    private static MimeMessage Message(string from, string subject, string to = "alice@example.test") =>
        new(new[] { MailboxAddress.Parse(from) }, new[] { MailboxAddress.Parse(to) }, subject, new TextPart("plain") { Text = "Hello from the end-to-end test." });

    /// <summary>MAIL FROM is given apart from the From field, which is what DMARC judges.</summary>
    private static Task SendAsync(SmtpClient smtp, MimeMessage message, string mailFrom) =>
        smtp.SendAsync(message, MailboxAddress.Parse(mailFrom), message.To.Mailboxes);

    private async Task<ImapClient> LoginAsync()
    {
        var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", Host.Port(ListenerNames.Imap), SecureSocketOptions.None);
        await imap.AuthenticateAsync("alice@example.test", Password);
        return imap;
    }

    /// <summary>Waits (bounded) until the folder holds <paramref name="count"/> messages.</summary>
    private static async Task<IMailFolder> WaitForMessagesAsync(ImapClient imap, IMailFolder folder, int count)
    {
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (folder.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            await imap.NoOpAsync();
        }

        Assert.Equal(count, folder.Count);
        return folder;
    }
}
