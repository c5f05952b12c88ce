using System.Globalization;
using System.Text.RegularExpressions;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailCloud.Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 15, "a member disabled after hard bounces from a real Postfix instance that refuses the address": posts to
/// a list go over SMTP into the MX; the remote member's MX (found through dnsmasq) is a private Postfix that answers
/// 550 5.1.1 at RCPT; our relay's DSNs go to the VERP sender, Route hands them to the list bounce processor, and after
/// <see cref="BouncedPostsToDisable"/> posts the member is disabled, the owner told, and later posts skip them.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListBounceEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int BouncedPostsToDisable = 2;
    private const string Password = "correct horse battery staple";
    private const string List = "team@example.test";
    private const string Alice = "alice@example.test";
    private const string Owner = "bob@example.test";
    private const string Refused = "carol@remote.test";
    private const string Accepted = "dave@remote.test";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private PostfixServer? _postfix;
    private DnsServer? _dns;
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    private PostfixServer Postfix => _postfix ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _postfix = await PostfixServer.StartAsync("remote.test", ["dave"]);
        _dns = await DnsServer.StartAsync(
        [
            .. SenderDomains.DnsmasqRecords,
            "--mx-host=remote.test,mx.remote.test,10",
            "--host-record=mx.remote.test,127.0.0.1",
        ]);
        _host = await GatewayTestHost.StartWithPipelineAsync(azurite, new Dictionary<string, string?>
        {
            ["Dns:Servers:0"] = _dns.Endpoint,
            ["Relay:DnsServers:0"] = _dns.Endpoint,
            ["Relay:MxPort"] = _postfix.Port.ToString(CultureInfo.InvariantCulture),
            ["Lists:BouncedPostsToDisable"] = BouncedPostsToDisable.ToString(CultureInfo.InvariantCulture),
        });
        await Host.SeedDirectoryAsync((Alice, Password), (Owner, Password));
        var directory = Host.Services.GetRequiredService<IMailDirectory>();
        await directory.AddListAsync(List, [Alice, Refused, Accepted], PostingPolicy.Anyone, [], CancellationToken.None);
        await directory.UpdateListAsync(List, l => l with { Owners = [Owner] }, CancellationToken.None);
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

        if (_postfix is not null)
        {
            await _postfix.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_member_disabled_after_hard_bounces_from_a_real_postfix_that_refuses_the_address()
    {
        var links = Host.Services.GetRequiredService<ListLinks>();
        var team = new DistributionList(List, [], PostingPolicy.Anyone, []);
        // Postfix logs each refusal with the envelope sender: the VERP address marks a post's copy for the member
        // (the member's own "disabled" notice comes from the bare -bounces@ address).
        var refusedPost = new Regex(
            $@"NOQUEUE: reject: RCPT from \S+: 550 5\.1\.1 <{Regex.Escape(Refused)}>: Recipient address rejected: User unknown in local recipient table; from=<{Regex.Escape(links.BounceAddress(team, Refused))}>",
            RegexOptions.IgnoreCase);
        var acceptedCopy = new Regex($@"to=<{Regex.Escape(Accepted)}>.*status=sent", RegexOptions.IgnoreCase);

        for (var post = 1; post <= BouncedPostsToDisable; post++)
        {
            Assert.False((await ListAsync()).IsDisabled(Refused), $"disabled after only {post - 1} bounced post(s)");
            await PostAsync(post);
            await WaitForAsync(async () => refusedPost.Matches(await Postfix.ReadLogAsync()).Count == post, $"Postfix did not log its 550 for post {post}");
        }

        await WaitForAsync(async () => (await ListAsync()).IsDisabled(Refused), "the member was not disabled");
        var disabled = Assert.Single((await ListAsync()).Disabled);
        Assert.Equal(Refused, disabled.Address, ignoreCase: true);
        Assert.Equal(DisabledReason.Bounces, disabled.Reason);

        using var owner = await ConnectAsync(Owner);
        await WaitForCountAsync(owner, 1);
        var notice = await owner.Inbox.GetMessageAsync(0);
        Assert.Equal($"{Refused} disabled on {List} (bounces)", notice.Subject);
        Assert.Contains("550 5.1.1", notice.TextBody, StringComparison.Ordinal);

        // A further post: the other members get it, the disabled one is not tried.
        await PostAsync(BouncedPostsToDisable + 1);
        using var alice = await ConnectAsync(Alice);
        await WaitForCountAsync(alice, BouncedPostsToDisable + 1);
        await WaitForAsync(async () => acceptedCopy.Matches(await Postfix.ReadLogAsync()).Count == BouncedPostsToDisable + 1, "the remote member Postfix accepts did not get the further post");

        var log = await Postfix.ReadLogAsync();
        Assert.Equal(BouncedPostsToDisable, refusedPost.Matches(log).Count);
        Assert.DoesNotContain($"to=<{Refused}>, relay=", log, StringComparison.OrdinalIgnoreCase);
    }

    private async Task PostAsync(int number)
    {
        var post = new MimeMessage(new[] { MailboxAddress.Parse("orders@shop.test") }, new[] { MailboxAddress.Parse(List) }, $"Stock update {number}", new TextPart("plain") { Text = $"Delivery {number} arrives Monday." });
        using var smtp = new SmtpClient { LocalDomain = "mailer.test" };
        await smtp.ConnectAsync("127.0.0.1", Host.Port(ListenerNames.Mx), SecureSocketOptions.None);
        await smtp.SendAsync(post);
        await smtp.DisconnectAsync(true);
    }

    private async Task<DistributionList> ListAsync() =>
        (await Host.Services.GetRequiredService<IMailDirectory>().GetSnapshotAsync(CancellationToken.None)).FindList(List)
            ?? throw new InvalidOperationException("the list is gone");

    private async Task<ImapClient> ConnectAsync(string account)
    {
        var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", Host.Port(ListenerNames.Imap), SecureSocketOptions.None);
        await imap.AuthenticateAsync(account, Password);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        return imap;
    }

    private static async Task WaitForCountAsync(ImapClient imap, int count)
    {
        await WaitForAsync(async () =>
        {
            await imap.NoOpAsync();
            return imap.Inbox.Count >= count;
        }, $"the inbox did not reach {count} message(s)");
        Assert.Equal(count, imap.Inbox.Count);
    }

    /// <summary>Polls (a generous deadline, not a timing assertion) until <paramref name="condition"/> holds.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException(what);
            }

            await Task.Delay(200);
        }
    }
}
