using System.Text;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Lists.Bounces;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Functions.Tests.Lists;

/// <summary>Bounces to a list's VERP address through Route, the bounce records on Azurite, and the housekeeping sweep.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListBounceTests(AzuriteFixture azurite)
{
    private const string List = "team@example.test";
    private const string Member = "ann@remote.test";
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static async Task<(PipelineTestHost Host, Account Owner)> CreateAsync(AzuriteFixture azurite)
    {
        var host = await PipelineTestHost.CreateAsync(azurite);
        await host.Directory.AddDomainAsync("example.test", Ct);
        var owner = await host.Directory.AddAccountAsync("owner@example.test", "pw", null, null, Ct);
        await host.Directory.AddListAsync(List, [Member, "bob@remote.test"], PostingPolicy.Anyone, [], Ct);
        await host.Directory.UpdateListAsync(List, l => l with { Owners = ["owner@example.test"] }, Ct);
        await host.StartAsync();
        return (host, owner);
    }

    private static async Task<DistributionList> ListAsync(PipelineTestHost host) =>
        (await host.Directory.GetSnapshotAsync(Ct)).FindList(List)!;

    private static Task BounceAsync(PipelineTestHost host, string to, string postId) =>
        host.SubmitRawAsync("m" + Guid.NewGuid().ToString("N"), "", [to], Encoding.UTF8.GetBytes(BounceSamples.PostfixHardDsn(to, Member, postId).ReplaceLineEndings("\r\n")));

    [Fact]
    public async Task Hard_bounces_on_distinct_posts_disable_the_member_and_tell_the_owners()
    {
        var (host, owner) = await CreateAsync(azurite);
        await using var _ = host;
        var verp = host.Services.GetRequiredService<ListLinks>().BounceAddress(await ListAsync(host), Member);
        var store = host.Services.GetRequiredService<ListBounceStore>();

        await BounceAsync(host, verp, "post-1@example.test");
        await BounceAsync(host, verp, "post-1@example.test");
        await BounceAsync(host, verp, "post-2@example.test");
        await host.WaitForIdleAsync();
        Assert.Equal(2, (await store.GetAsync(List, Member, Ct))!.Score);
        Assert.False((await ListAsync(host)).IsDisabled(Member));

        await BounceAsync(host, verp, "post-3@example.test");
        var notices = await host.WaitForInboxAsync(owner.Id);
        var list = await ListAsync(host);
        var disabled = Assert.Single(list.Disabled);
        Assert.Equal((Member, DisabledReason.Bounces), (disabled.Address, disabled.Reason));
        Assert.Equal(["ann@remote.test", "bob@remote.test"], list.Members);
        Assert.Equal($"{Member} disabled on {List} (bounces)", Assert.Single(notices).Subject);
        Assert.Contains("bounced hard on 3 post(s)", notices[0].TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bounces_without_a_valid_token_are_dropped()
    {
        var (host, owner) = await CreateAsync(azurite);
        await using var _ = host;
        await BounceAsync(host, "team-bounces@example.test", "post-1@example.test");
        await BounceAsync(host, "team-bounces+aaaaaaaaaaaaaaaa@example.test", "post-1@example.test");
        var otherPurpose = host.Services.GetRequiredService<ListTokens>().ForMember(ListTokenPurpose.Unsubscribe, List, Member);
        await BounceAsync(host, $"team-bounces+{otherPurpose}@example.test", "post-1@example.test");
        await host.WaitForIdleAsync();

        Assert.Null(await host.Services.GetRequiredService<ListBounceStore>().GetAsync(List, Member, Ct));
        Assert.Empty(await host.ReadInboxAsync(owner.Id));
        Assert.Empty((await ListAsync(host)).Disabled);
    }

    [Fact]
    public async Task Housekeeping_removes_members_disabled_long_ago_and_forgets_old_bounces()
    {
        var (host, owner) = await CreateAsync(azurite);
        await using var _ = host;
        var store = host.Services.GetRequiredService<ListBounceStore>();
        var now = DateTimeOffset.UtcNow;
        await host.Directory.UpdateListAsync(List, l => l with { Disabled = [new DisabledMember(Member, now.AddDays(-15), DisabledReason.Bounces)] }, Ct);
        await store.RecordAsync(List, Member, "post-1", now.AddDays(-16), now.AddDays(-30), Ct);
        await store.RecordAsync(List, "bob@remote.test", "post-0", now.AddDays(-20), now.AddDays(-30), Ct);

        // The host's own housekeeping loop may sweep at the same time: what counts is the state afterwards.
        await host.Services.GetRequiredService<ListBounceSweeper>().SweepAsync(Ct);

        var list = await ListAsync(host);
        Assert.Equal(["bob@remote.test"], list.Members);
        Assert.Empty(list.Disabled);
        Assert.Empty(await store.ListAsync(List, Ct));
        Assert.Equal($"{Member} removed from {List} (bounces)", Assert.Single(await host.WaitForInboxAsync(owner.Id)).Subject);

        // A member an owner disabled, or one disabled recently, stays.
        await host.Directory.UpdateListAsync(List, l => l with { Disabled = [new DisabledMember("bob@remote.test", now.AddDays(-40), DisabledReason.Owner)] }, Ct);
        Assert.Equal(new ListBounceSweepResult(0, 0), await host.Services.GetRequiredService<ListBounceSweeper>().SweepAsync(Ct));
        Assert.Equal(["bob@remote.test"], (await ListAsync(host)).Members);
    }

    [Fact]
    public async Task Concurrent_bounces_for_one_member_are_all_counted()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var store = host.Services.GetRequiredService<ListBounceStore>();
        var now = DateTimeOffset.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => store.RecordAsync(List, Member, $"post-{i}", now, now.AddDays(-14), Ct)));
        await store.RecordAsync(List, Member, "post-3", now.AddMinutes(1), now.AddDays(-14), Ct);
        var record = (await store.GetAsync(List, Member, Ct))!;
        Assert.Equal(8, record.Score);
        Assert.Equal(now, record.LastBounce);
    }
}
