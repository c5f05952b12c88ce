using System.Text.RegularExpressions;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

using static MailCloud.Gateway.Tests.EndToEnd.EndToEndMail;

namespace MailCloud.Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 15 end to end: joining a list by mail (and a forged attempt), and moderation of a held post by the
/// owner's reply, with mail in over SMTP (MX and submission) and read back over IMAP, on Azurite.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class ListSelfServiceEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private const string Alice = "alice@example.test";
    private const string Bob = "bob@example.test";
    private const string Carol = "carol@example.test";
    private const string Dave = "dave@example.test";
    private const string List = "team@example.test";
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    private IMailDirectory Directory => Host.Services.GetRequiredService<IMailDirectory>();

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:SrsSecret"] = "end-to-end-test-secret-0123456789",
            ["Pipeline:RunnerPollInterval"] = "00:00:00.200",
            ["Directory:PasswordHashIterations"] = "1000",
            ["Directory:CacheRevalidationInterval"] = "00:00:00",
        };
        var pipelineConfiguration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _host = await GatewayTestHost.StartAsync(azurite, settings: settings, configureServices: services =>
        {
            services.AddImap();
            services.AddMailPipeline(pipelineConfiguration);
            services.AddLocalPipelineRunner();
        });
        await Host.SeedDirectoryAsync((Alice, Password), (Bob, Password), (Carol, Password), (Dave, Password));
        await Directory.AddListAsync(List, [Alice, Bob], PostingPolicy.Members, [], default);
        await Directory.UpdateListAsync(List, l => l with { Owners = [Alice], Settings = l.Settings with { Subscription = SubscriptionPolicy.Confirm } }, default);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Subscribe_by_mail_and_confirm_then_a_post_reaches_the_new_member()
    {
        await SendOverMxAsync(Dave, "team-subscribe@example.test", "subscribe");

        using var dave = await ConnectAsync(Dave);
        var confirmation = await (await WaitForFolderAsync(dave, "INBOX", 1)).GetMessageAsync(0);
        var confirmAddress = confirmation.From.Mailboxes.Single().Address;
        Assert.Matches(ConfirmAddress(), confirmAddress);
        Assert.DoesNotContain(Dave, (await Directory.GetSnapshotAsync(default)).FindList(List)!.Members);

        await SubmitAsync(Dave, confirmAddress, "Re: " + confirmation.Subject);
        var welcome = await (await WaitForFolderAsync(dave, "INBOX", 2)).GetMessageAsync(1);
        Assert.Equal($"Welcome to {List}", welcome.Subject);
        Assert.Contains(Dave, (await Directory.GetSnapshotAsync(default)).FindList(List)!.Members);

        await SubmitAsync(Alice, List, "hello new member");
        var post = await (await WaitForFolderAsync(dave, "INBOX", 3)).GetMessageAsync(2);
        Assert.Equal("hello new member", post.Subject);
    }

    [Fact]
    public async Task A_forged_subscription_sends_one_confirmation_and_the_victim_is_never_subscribed()
    {
        // Mallory, elsewhere, asks for Carol: only Carol's mailbox hears of it.
        await SendOverMxAsync("mallory@remote.test", "team-request@example.test", "subscribe", headerFrom: Carol);

        using var carol = await ConnectAsync(Carol);
        var inbox = await WaitForFolderAsync(carol, "INBOX", 1);
        Assert.StartsWith("confirm ", (await inbox.GetMessageAsync(0)).Subject, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await carol.NoOpAsync();
        Assert.Equal(1, inbox.Count);
        Assert.DoesNotContain(Carol, (await Directory.GetSnapshotAsync(default)).FindList(List)!.Members);
    }

    [Fact]
    public async Task A_held_post_approved_by_the_owner_reaches_the_members_once()
    {
        await SubmitAsync(Carol, List, "outsider approved");

        using var alice = await ConnectAsync(Alice);
        var notice = await (await WaitForFolderAsync(alice, "INBOX", 1)).GetMessageAsync(0);
        var approve = ConfirmAddress().Matches(notice.TextBody ?? "").First().Value;
        await SubmitAsync(Alice, approve, "approve");
        await SubmitAsync(Alice, approve, "approve again");

        using var bob = await ConnectAsync(Bob);
        var inbox = await WaitForFolderAsync(bob, "INBOX", 1);
        Assert.Equal("outsider approved", (await inbox.GetMessageAsync(0)).Subject);
        // Alice, owner and member, gets the post too (and may get an answer to the second approve, so at least 2).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (alice.Inbox.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            await alice.NoOpAsync();
        }

        Assert.True(alice.Inbox.Count >= 2);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await bob.NoOpAsync();
        Assert.Equal(1, inbox.Count);
    }

    [Fact]
    public async Task A_held_post_discarded_by_the_owner_reaches_nobody_and_the_poster_is_told()
    {
        await SubmitAsync(Carol, List, "outsider discarded");

        using var alice = await ConnectAsync(Alice);
        var notice = await (await WaitForFolderAsync(alice, "INBOX", 1)).GetMessageAsync(0);
        var discard = ConfirmAddress().Matches(notice.TextBody ?? "").ElementAt(1).Value;
        await SubmitAsync(Alice, discard, "discard");

        using var carol = await ConnectAsync(Carol);
        var told = await WaitForFolderAsync(carol, "INBOX", 2);
        Assert.Equal($"Your post to {List} awaits moderator approval", (await told.GetMessageAsync(0)).Subject);
        Assert.Equal($"Your post to {List} was not distributed", (await told.GetMessageAsync(1)).Subject);
        using var bob = await ConnectAsync(Bob);
        Assert.Equal(0, (await WaitForFolderAsync(bob, "INBOX", 0)).Count);
    }

    [GeneratedRegex("team-confirm\\+[a-z2-7]{16}@example\\.test")]
    private static partial Regex ConfirmAddress();

    private Task SendOverMxAsync(string from, string to, string subject, string? headerFrom = null) =>
        Host.SendOverMxAsync(Message(headerFrom ?? from, to, subject), from, to);

    private Task SubmitAsync(string from, string to, string subject) => Host.SubmitAsync(from, Password, Message(from, to, subject));

    private Task<ImapClient> ConnectAsync(string account) => Host.ConnectImapAsync(account, Password);
}
