using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Mailboxes;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using MimeKit;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>Route files a list's post into the list's archive once, however often it runs, and never bounces for the archive.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListArchiveDeliveryTests(AzuriteFixture azurite)
{
    private const string Sender = "sender@remote.test";
    private const string List = "all@example.test";

    [Fact]
    public async Task A_post_to_a_list_with_an_archive_is_archived_once_with_the_list_headers()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var (alice, bob) = await SetUpAsync(host, archive: true);
        await host.StartAsync();

        await host.SubmitAsync(Sender, [List], PipelineTestHost.NewMessage(Sender, List, "archived"));

        await host.WaitForInboxAsync(alice.Id);
        await host.WaitForInboxAsync(bob.Id);
        await host.WaitForIdleAsync();
        var post = Assert.Single(await host.ReadInboxAsync(ListArchive.AccountIdFor(List)));
        Assert.Equal("archived", post.Subject);
        Assert.Equal("<all.example.test>", post.Headers[HeaderId.ListId]);
        Assert.Equal(List, post.Headers["Delivered-To"]);
    }

    [Fact]
    public async Task A_list_without_an_archive_keeps_nothing()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var (alice, _) = await SetUpAsync(host, archive: false);
        await host.StartAsync();

        await host.SubmitAsync(Sender, [List], PipelineTestHost.NewMessage(Sender, List, "not archived"));

        await host.WaitForInboxAsync(alice.Id);
        await host.WaitForIdleAsync();
        Assert.Empty(await host.ReadInboxAsync(ListArchive.AccountIdFor(List)));
    }

    [Fact]
    public async Task Route_that_fails_after_the_archive_append_runs_again_and_the_post_is_archived_once()
    {
        var faults = new FailAfterAppend(ListArchive.AccountIdFor(List));
        await using var host = await PipelineTestHost.CreateAsync(azurite, services: s => s.Decorate<IMailboxStore>(inner => new FaultyMailboxStore(inner, faults)));
        var (alice, bob) = await SetUpAsync(host, archive: true);
        await host.StartAsync();

        await host.SubmitAsync(Sender, [List], PipelineTestHost.NewMessage(Sender, List, "exactly once"));

        await host.WaitForInboxAsync(alice.Id);
        await host.WaitForIdleAsync();
        Assert.Equal(2, faults.Appends);
        Assert.Single(await host.ReadInboxAsync(ListArchive.AccountIdFor(List)));
        Assert.Single(await host.ReadInboxAsync(alice.Id));
        Assert.Single(await host.ReadInboxAsync(bob.Id));
    }

    [Fact]
    public async Task A_full_archive_misses_the_post_and_nobody_is_bounced()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite, settings: new Dictionary<string, string?> { ["Lists:Archive:QuotaMessages"] = "1" });
        var (alice, _) = await SetUpAsync(host, archive: true);
        var poster = await host.Directory.AddAccountAsync("poster@example.test", "pw-poster-1234", null, null, default);
        await host.StartAsync();

        await host.SubmitAsync(poster.Address, [List], PipelineTestHost.NewMessage(poster.Address, List, "first"));
        await host.WaitForInboxAsync(alice.Id);
        await host.WaitForIdleAsync();
        await host.SubmitAsync(poster.Address, [List], PipelineTestHost.NewMessage(poster.Address, List, "second"));
        await host.WaitForInboxAsync(alice.Id, 2);
        await host.WaitForIdleAsync();

        Assert.Equal("first", Assert.Single(await host.ReadInboxAsync(ListArchive.AccountIdFor(List))).Subject);
        Assert.Empty(await host.ReadInboxAsync(poster.Id));
    }

    private static async Task<(Account Alice, Account Bob)> SetUpAsync(PipelineTestHost host, bool archive)
    {
        await host.Directory.AddDomainAsync("example.test", default);
        var alice = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-123456", null, null, default);
        var bob = await host.Directory.AddAccountAsync("bob@example.test", "pw-bob-123456", null, null, default);
        await host.Directory.AddListAsync(List, [alice.Address, bob.Address], PostingPolicy.Anyone, [], default);
        await host.Directory.UpdateListAsync(List, l => l with { Settings = l.Settings with { Archive = archive } }, default);
        return (alice, bob);
    }
}
