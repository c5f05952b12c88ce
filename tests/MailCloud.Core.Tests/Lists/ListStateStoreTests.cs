using System.Text;
using MailCloud.Core.Configuration;
using MailCloud.Core.Lists.State;
using MailCloud.Core.Queueing;
using MailCloud.Testing;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Lists;

/// <summary>The lists container's one-time requests and held posts, on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListStateStoreTests(AzuriteFixture azurite)
{
    private const string List = "Team@Example.test";
    private static readonly CancellationToken Ct = CancellationToken.None;

    private async Task<StorageClients> StorageAsync()
    {
        var storage = new StorageClients(Options.Create(azurite.CreateStorageOptions()));
        await storage.EnsureContainersAsync(Ct);
        return storage;
    }

    [Fact]
    public async Task A_token_is_minted_once_per_origin_and_taken_once()
    {
        var store = new PendingRequestStore(await StorageAsync(), TimeProvider.System);
        var expires = DateTimeOffset.UtcNow.AddDays(1);
        var token = await store.TokenForAsync(List, "subscribe\nm-1\ndave@example.test", expires, Ct);
        Assert.Equal(token, await store.TokenForAsync(List, "subscribe\nm-1\ndave@example.test", expires, Ct));
        Assert.NotEqual(token, await store.TokenForAsync(List, "subscribe\nm-2\ndave@example.test", expires, Ct));

        var request = new PendingRequest(token, PendingAction.Subscribe, List, "dave@example.test", DateTimeOffset.UtcNow, expires);
        await store.EnsureAsync(request, Ct);
        await store.EnsureAsync(request with { Address = "someone-else@example.test" }, Ct);

        var first = await store.FindAsync("team@example.test", token.ToUpperInvariant(), Ct);
        var second = await store.FindAsync(List, token, Ct);
        Assert.Equal("dave@example.test", first?.Request.Address);
        Assert.True(await store.TakeAsync(first!, Ct));
        Assert.False(await store.TakeAsync(second!, Ct));
        Assert.Null(await store.FindAsync(List, token, Ct));
        Assert.Null(await store.FindAsync(List, "../../etc/passwd", Ct));
    }

    [Fact]
    public async Task Expired_requests_confirm_nothing_and_the_sweep_deletes_them()
    {
        var storage = await StorageAsync();
        var store = new PendingRequestStore(storage, TimeProvider.System);
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        var old = await store.TokenForAsync(List, "old", past, Ct);
        await store.EnsureAsync(new PendingRequest(old, PendingAction.Unsubscribe, List, "bob@example.test", past.AddDays(-3), past), Ct);
        var live = await store.TokenForAsync(List, "live", DateTimeOffset.UtcNow.AddDays(1), Ct);
        await store.EnsureAsync(new PendingRequest(live, PendingAction.Unsubscribe, List, "bob@example.test", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1)), Ct);

        Assert.Null(await store.FindAsync(List, old, Ct));
        Assert.Equal(2, await store.SweepAsync(Ct));
        Assert.NotNull(await store.FindAsync(List, live, Ct));
        Assert.Equal(0, await store.SweepAsync(Ct));
    }

    [Fact]
    public async Task A_held_post_is_stored_once_and_decided_once()
    {
        var store = new HeldPostStore(await StorageAsync());
        var post = Post("0123456789abcdef0123456789abcdef", DateTimeOffset.UtcNow.AddDays(-6));
        var bytes = Encoding.ASCII.GetBytes("Subject: held\r\n\r\nHello.\r\n");
        await store.HoldAsync(post, _ => Task.FromResult<Stream>(new MemoryStream(bytes)), Ct);
        var again = await store.HoldAsync(post with { Reason = "changed" }, _ => throw new InvalidOperationException("content read twice"), Ct);
        Assert.Equal("not a member", again.Reason);

        Assert.Equal(post.Id, Assert.Single(await store.ListAsync(List, Ct)).Id);
        Assert.Equal(post.Id, Assert.Single(await store.ListHeldBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(1), Ct)).Id);
        Assert.Empty(await store.ListHeldBeforeAsync(post.HeldAt, Ct));
        await using (var content = await store.OpenContentAsync(post, Ct))
        {
            Assert.Equal("Subject: held\r\n\r\nHello.\r\n", await new StreamReader(content).ReadToEndAsync(Ct));
        }

        Assert.Equal(DecisionOutcome.Decided, (await store.DecideAsync(List, post.Id, ModerationDecision.Approve, Ct)).Outcome);
        Assert.Equal(DecisionOutcome.Decided, (await store.DecideAsync(List, post.Id, ModerationDecision.Approve, Ct)).Outcome);
        Assert.Equal(DecisionOutcome.DecidedOtherwise, (await store.DecideAsync(List, post.Id, ModerationDecision.Discard, Ct)).Outcome);
        Assert.Equal(DecisionOutcome.Missing, (await store.DecideAsync(List, "not-an-id", ModerationDecision.Discard, Ct)).Outcome);

        await store.RemoveAsync(post, Ct);
        Assert.Empty(await store.ListAsync(List, Ct));
        Assert.Equal(DecisionOutcome.Missing, (await store.DecideAsync(List, post.Id, ModerationDecision.Approve, Ct)).Outcome);
    }

    private static HeldPost Post(string id, DateTimeOffset heldAt)
    {
        var envelope = new MessageEnvelope
        {
            MessageId = "m-" + id,
            SpoolBlob = "x.eml",
            MailFrom = "carol@remote.test",
            Recipients = [new EnvelopeRecipient { Address = List }],
            ReceivedFrom = new ReceivedFrom { RemoteIp = "192.0.2.1", Helo = "remote.test" },
            ReceivedAt = heldAt,
        };
        return new HeldPost(id, List, "carol@remote.test", "carol@remote.test", "not a member", "held", heldAt, "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", EnvelopeSerializer.Serialize(envelope).ToString());
    }
}
