using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Queueing;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>Self-service membership through Route on Azurite: the -subscribe/-unsubscribe/-request/-confirm robot and -owner forwarding.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListRequestTests(AzuriteFixture azurite)
{
    private const string List = "team@example.test";

    private static async Task<PipelineTestHost> CreateAsync(AzuriteFixture azurite, SubscriptionPolicy subscription, params string[] accounts)
    {
        var host = await PipelineTestHost.CreateAsync(azurite);
        await host.Directory.AddDomainAsync("example.test", default);
        foreach (var account in accounts)
        {
            await host.Directory.AddAccountAsync(account, "pw-" + Guid.NewGuid().ToString("N"), null, null, default);
        }

        await host.Directory.AddListAsync(List, ["alice@example.test"], PostingPolicy.Members, [], default);
        await host.Directory.UpdateListAsync(List, l => l with { Owners = ["alice@example.test"], Settings = l.Settings with { Subscription = subscription } }, default);
        await host.StartAsync();
        return host;
    }

    private static async Task<string> IdOf(PipelineTestHost host, string address) =>
        (await host.Directory.GetSnapshotAsync(default)).FindAccount(address)!.Id;

    private static async Task<DistributionList> ListAsync(PipelineTestHost host) => (await host.Directory.GetSnapshotAsync(default)).FindList(List)!;

    [Fact]
    public async Task Subscribing_takes_a_reply_to_the_confirmation_then_posts_reach_the_new_member()
    {
        await using var host = await CreateAsync(azurite, SubscriptionPolicy.Confirm, "alice@example.test", "dave@example.test");
        var dave = await IdOf(host, "dave@example.test");

        await host.SubmitAsync("dave@example.test", ["team-subscribe@example.test"], PipelineTestHost.NewMessage("dave@example.test", "team-subscribe@example.test", "please"));
        var confirmation = Assert.Single(await host.WaitForInboxAsync(dave));
        var confirmAddress = Assert.IsType<MailboxAddress>(confirmation.From.Single()).Address;
        Assert.Matches("^team-confirm\\+[a-z2-7]{16}@example\\.test$", confirmAddress);
        Assert.StartsWith("confirm ", confirmation.Subject, StringComparison.Ordinal);
        Assert.Equal("auto-generated", confirmation.Headers["Auto-Submitted"]);
        Assert.False((await ListAsync(host)).HasMember("dave@example.test"));

        await host.SubmitAsync("dave@example.test", [confirmAddress], PipelineTestHost.NewMessage("dave@example.test", confirmAddress, "Re: " + confirmation.Subject));
        var welcome = (await host.WaitForInboxAsync(dave, 2))[1];
        Assert.Equal($"Welcome to {List}", welcome.Subject);
        Assert.Contains("team-unsubscribe+", welcome.TextBody, StringComparison.Ordinal);
        Assert.True((await ListAsync(host)).HasMember("dave@example.test"));

        await host.SubmitAsync("alice@example.test", [List], PipelineTestHost.NewMessage("alice@example.test", List, "first post"));
        Assert.Equal("first post", (await host.WaitForInboxAsync(dave, 3))[2].Subject);

        // The token was taken: replying again changes nothing and says so.
        await host.SubmitAsync("dave@example.test", [confirmAddress], PipelineTestHost.NewMessage("dave@example.test", confirmAddress, "again"));
        Assert.Equal($"Confirmation for {List} not found", (await host.WaitForInboxAsync(dave, 4))[3].Subject);
    }

    [Fact]
    public async Task A_forged_subscription_sends_the_victim_one_confirmation_even_when_route_runs_twice_and_subscribes_nobody()
    {
        await using var host = await CreateAsync(azurite, SubscriptionPolicy.Confirm, "alice@example.test", "dave@example.test");
        var dave = await IdOf(host, "dave@example.test");
        var forged = PipelineTestHost.NewMessage("dave@example.test", "team-request@example.test", "subscribe");
        var raw = new MemoryStream();
        await forged.WriteToAsync(raw);

        // The same envelope twice: what Route sees when its first run is retried.
        var envelope = await host.SubmitRawAsync("forged-1", "mallory@remote.test", ["team-request@example.test"], raw.ToArray());
        await host.WaitForInboxAsync(dave);
        await host.Transport.SendAsync(host.Queues.InboundQueue, new OutgoingMessage("forged-1-again", EnvelopeSerializer.Serialize(envelope)), null, default);
        await host.WaitForIdleAsync();

        Assert.StartsWith("confirm ", Assert.Single(await host.ReadInboxAsync(dave)).Subject, StringComparison.Ordinal);
        Assert.False((await ListAsync(host)).HasMember("dave@example.test"));
    }

    [Fact]
    public async Task Owner_approval_comes_after_the_confirmation_and_decides()
    {
        await using var host = await CreateAsync(azurite, SubscriptionPolicy.Approve, "alice@example.test", "dave@example.test");
        var (alice, dave) = (await IdOf(host, "alice@example.test"), await IdOf(host, "dave@example.test"));

        await host.SubmitAsync("dave@example.test", ["team-join@example.test"], PipelineTestHost.NewMessage("dave@example.test", "team-join@example.test", "hi"));
        var confirmAddress = Assert.IsType<MailboxAddress>(Assert.Single(await host.WaitForInboxAsync(dave)).From.Single()).Address;
        await host.SubmitAsync("dave@example.test", [confirmAddress], PipelineTestHost.NewMessage("dave@example.test", confirmAddress, "yes"));

        Assert.Equal($"Your subscription to {List} awaits approval", (await host.WaitForInboxAsync(dave, 2))[1].Subject);
        var notice = Assert.Single(await host.WaitForInboxAsync(alice));
        Assert.Equal($"dave@example.test asks to join {List}", notice.Subject);
        Assert.False((await ListAsync(host)).HasMember("dave@example.test"));

        var approve = ConfirmAddresses(notice.TextBody)[0];
        await host.SubmitAsync("alice@example.test", [approve], PipelineTestHost.NewMessage("alice@example.test", approve, "ok"));
        Assert.Equal($"Welcome to {List}", (await host.WaitForInboxAsync(dave, 3))[2].Subject);
        Assert.True((await ListAsync(host)).HasMember("dave@example.test"));
    }

    [Fact]
    public async Task A_closed_list_refuses_politely_and_a_member_is_told_it_already_is_one()
    {
        await using var host = await CreateAsync(azurite, SubscriptionPolicy.Closed, "alice@example.test", "dave@example.test");
        await host.SubmitAsync("dave@example.test", ["team-subscribe@example.test"], PipelineTestHost.NewMessage("dave@example.test", "team-subscribe@example.test", "let me in"));
        Assert.Equal($"{List} does not take subscriptions by mail", Assert.Single(await host.WaitForInboxAsync(await IdOf(host, "dave@example.test"))).Subject);

        await host.Directory.UpdateListAsync(List, l => l with { Settings = l.Settings with { Subscription = SubscriptionPolicy.Confirm } }, default);
        await host.SubmitAsync("alice@example.test", ["team-request@example.test"], PipelineTestHost.NewMessage("alice@example.test", "team-request@example.test", "join"));
        Assert.Equal($"You are already subscribed to {List}", Assert.Single(await host.WaitForInboxAsync(await IdOf(host, "alice@example.test"))).Subject);
    }

    [Fact]
    public async Task Leaving_by_mail_is_confirmed_and_the_member_token_address_removes_at_once()
    {
        await using var host = await CreateAsync(azurite, SubscriptionPolicy.Closed, "alice@example.test", "bob@example.test", "carol@example.test");
        await host.Directory.UpdateListAsync(List, l => l with { Members = [.. l.Members, "bob@example.test", "carol@example.test"] }, default);
        var (bob, carol) = (await IdOf(host, "bob@example.test"), await IdOf(host, "carol@example.test"));

        await host.SubmitAsync("bob@example.test", ["team-leave@example.test"], PipelineTestHost.NewMessage("bob@example.test", "team-leave@example.test", "bye"));
        var confirmation = Assert.Single(await host.WaitForInboxAsync(bob));
        Assert.True((await ListAsync(host)).HasMember("bob@example.test"));
        var confirmAddress = Assert.IsType<MailboxAddress>(confirmation.From.Single()).Address;
        await host.SubmitAsync("bob@example.test", [confirmAddress], PipelineTestHost.NewMessage("bob@example.test", confirmAddress, "yes"));
        Assert.Equal($"You have left {List}", (await host.WaitForInboxAsync(bob, 2))[1].Subject);
        Assert.False((await ListAsync(host)).HasMember("bob@example.test"));

        // RFC 2369 List-Unsubscribe mailto: the token stands for carol, whoever sends it.
        var tokens = host.Services.GetRequiredService<ListTokens>();
        var mailto = ListAddresses.Format(List, ListCommand.Unsubscribe, tokens.ForMember(ListTokenPurpose.Unsubscribe, List, "carol@example.test"));
        await host.SubmitAsync("carol@example.test", [mailto], PipelineTestHost.NewMessage("carol@example.test", mailto, "unsubscribe"));
        Assert.Equal($"You have left {List}", Assert.Single(await host.WaitForInboxAsync(carol)).Subject);
        Assert.False((await ListAsync(host)).HasMember("carol@example.test"));

        await host.SubmitAsync("bob@example.test", ["team-unsubscribe@example.test"], PipelineTestHost.NewMessage("bob@example.test", "team-unsubscribe@example.test", "again"));
        Assert.Equal($"bob@example.test is not subscribed to {List}", (await host.WaitForInboxAsync(bob, 3))[2].Subject);
    }

    [Fact]
    public async Task Help_and_unknown_commands_get_the_help_text_and_robots_get_nothing()
    {
        await using var host = await CreateAsync(azurite, SubscriptionPolicy.Confirm, "alice@example.test", "dave@example.test");
        var dave = await IdOf(host, "dave@example.test");

        var robot = PipelineTestHost.NewMessage("dave@example.test", "team-request@example.test", "subscribe");
        robot.Headers.Add("Auto-Submitted", "auto-replied");
        await host.SubmitAsync("dave@example.test", ["team-request@example.test"], robot);
        var bulk = PipelineTestHost.NewMessage("dave@example.test", "team-subscribe@example.test", "hello");
        bulk.Headers.Add("Precedence", "bulk");
        await host.SubmitAsync("dave@example.test", ["team-subscribe@example.test"], bulk);
        await host.SubmitAsync("", ["team-request@example.test"], PipelineTestHost.NewMessage("mailer-daemon@remote.test", "team-request@example.test", "help"));
        await host.WaitForIdleAsync();
        Assert.Empty(await host.ReadInboxAsync(dave));

        await host.SubmitAsync("dave@example.test", ["team-request@example.test"], PipelineTestHost.NewMessage("dave@example.test", "team-request@example.test", "", "what is this?"));
        var help = Assert.Single(await host.WaitForInboxAsync(dave));
        Assert.Equal($"Help for {List}", help.Subject);
        Assert.Contains("unsubscribe", help.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mail_to_the_owner_address_reaches_the_owners()
    {
        await using var host = await CreateAsync(azurite, SubscriptionPolicy.Closed, "alice@example.test");
        await host.SubmitAsync("someone@remote.test", ["team-owner@example.test"], PipelineTestHost.NewMessage("someone@remote.test", "team-owner@example.test", "a question for the owners"));
        var forwarded = Assert.Single(await host.WaitForInboxAsync(await IdOf(host, "alice@example.test")));
        Assert.Equal("a question for the owners", forwarded.Subject);
        Assert.Equal("someone@remote.test", forwarded.From.Mailboxes.Single().Address);
    }

    internal static IReadOnlyList<string> ConfirmAddresses(string? text) =>
        [.. System.Text.RegularExpressions.Regex.Matches(text ?? "", "team-confirm\\+[a-z2-7]{16}@example\\.test").Select(m => m.Value)];
}
