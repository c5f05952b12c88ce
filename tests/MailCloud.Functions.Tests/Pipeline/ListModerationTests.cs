using MailCloud.Core.Directory;
using MailCloud.Core.Lists.Moderation;
using MailCloud.Core.Lists.State;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>Held posts through Route on Azurite: the owners' notice, approval and discard by reply, expiry.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListModerationTests(AzuriteFixture azurite)
{
    private const string List = "team@example.test";

    private sealed record Setup(PipelineTestHost Host, string Alice, string Bob, string Carol);

    private async Task<Setup> CreateAsync()
    {
        var host = await PipelineTestHost.CreateAsync(azurite);
        await host.Directory.AddDomainAsync("example.test", default);
        var ids = new List<string>();
        foreach (var account in new[] { "alice@example.test", "bob@example.test", "carol@example.test" })
        {
            ids.Add((await host.Directory.AddAccountAsync(account, "pw-" + Guid.NewGuid().ToString("N"), null, null, default)).Id);
        }

        await host.Directory.AddListAsync(List, ["alice@example.test", "bob@example.test"], PostingPolicy.Members, [], default);
        await host.Directory.UpdateListAsync(List, l => l with { Owners = ["alice@example.test"] }, default);
        await host.StartAsync();
        return new Setup(host, ids[0], ids[1], ids[2]);
    }

    [Fact]
    public async Task A_held_post_approved_by_reply_reaches_the_members_once()
    {
        var (host, alice, bob, carol) = await CreateAsync();
        await using var _ = host;

        await host.SubmitAsync("carol@example.test", [List], PipelineTestHost.NewMessage("carol@example.test", List, "from outside"));
        var notice = Assert.Single(await host.WaitForInboxAsync(alice));
        Assert.Contains("awaits approval: from outside", notice.Subject, StringComparison.Ordinal);
        var attached = Assert.Single(notice.BodyParts.OfType<MessagePart>());
        Assert.Equal("from outside", attached.Message?.Subject);
        Assert.Equal($"Your post to {List} awaits moderator approval", Assert.Single(await host.WaitForInboxAsync(carol)).Subject);
        Assert.Empty(await host.ReadInboxAsync(bob));

        var approve = ListRequestTests.ConfirmAddresses(notice.TextBody)[0];
        await host.SubmitAsync("alice@example.test", [approve], PipelineTestHost.NewMessage("alice@example.test", approve, "ok"));
        var post = Assert.Single(await host.WaitForInboxAsync(bob));
        Assert.Equal("from outside", post.Subject);

        // A second approval (by mail and from the moderator) finds nothing left to release.
        await host.SubmitAsync("alice@example.test", [approve], PipelineTestHost.NewMessage("alice@example.test", approve, "ok again"));
        await host.WaitForIdleAsync();
        Assert.Single(await host.ReadInboxAsync(bob));
        Assert.Single(await host.ReadInboxAsync(alice), m => m.Subject == "from outside");
        Assert.Empty(await host.Services.GetRequiredService<HeldPostStore>().ListAsync(List, default));
    }

    [Fact]
    public async Task A_held_post_discarded_by_reply_reaches_nobody_and_the_poster_is_told()
    {
        var (host, alice, bob, carol) = await CreateAsync();
        await using var _ = host;

        await host.SubmitAsync("carol@example.test", [List], PipelineTestHost.NewMessage("carol@example.test", List, "spammy"));
        var notice = Assert.Single(await host.WaitForInboxAsync(alice));
        var discard = ListRequestTests.ConfirmAddresses(notice.TextBody)[1];
        await host.SubmitAsync("alice@example.test", [discard], PipelineTestHost.NewMessage("alice@example.test", discard, "no"));

        var told = await host.WaitForInboxAsync(carol, 2);
        Assert.Equal($"Your post to {List} was not distributed", told[1].Subject);
        await host.WaitForIdleAsync();
        Assert.Empty(await host.ReadInboxAsync(bob));
        Assert.Single(await host.ReadInboxAsync(alice));

        // The approve token of the same post is void now.
        var approve = ListRequestTests.ConfirmAddresses(notice.TextBody)[0];
        await host.SubmitAsync("alice@example.test", [approve], PipelineTestHost.NewMessage("alice@example.test", approve, "changed my mind"));
        await host.WaitForInboxAsync(alice, 2);
        await host.WaitForIdleAsync();
        Assert.Empty(await host.ReadInboxAsync(bob));
    }

    [Fact]
    public async Task A_held_post_nobody_decides_on_expires_and_the_poster_is_told()
    {
        var (host, alice, bob, carol) = await CreateAsync();
        await using var _ = host;
        await host.SubmitAsync("carol@example.test", [List], PipelineTestHost.NewMessage("carol@example.test", List, "forgotten"));
        await host.WaitForInboxAsync(alice);
        await host.WaitForInboxAsync(carol);

        var later = new ShiftedTime(TimeSpan.FromDays(6));
        var moderator = ActivatorUtilities.CreateInstance<HeldPostModerator>(host.Services, later, ActivatorUtilities.CreateInstance<PendingRequestStore>(host.Services, later));
        var sweeper = ActivatorUtilities.CreateInstance<ListStateSweeper>(host.Services, moderator, ActivatorUtilities.CreateInstance<PendingRequestStore>(host.Services, later));
        await sweeper.SweepAsync(default);

        Assert.Equal($"Your post to {List} was not distributed", (await host.WaitForInboxAsync(carol, 2))[1].Subject);
        Assert.Contains("within 5 days", (await host.ReadInboxAsync(carol))[1].TextBody, StringComparison.Ordinal);
        Assert.Empty(await host.Services.GetRequiredService<HeldPostStore>().ListAsync(List, default));
        await host.WaitForIdleAsync();
        Assert.Empty(await host.ReadInboxAsync(bob));
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}
