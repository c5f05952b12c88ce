using MailCloud.Core.Directory;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Directory;

/// <summary>Compare-and-swap writes from several instances, and the revalidating read cache.</summary>
[Collection(AzuriteCollection.Name)]
public class DirectoryConsistencyTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Parallel_writes_from_two_instances_all_survive()
    {
        var storage = await azurite.CreateStorageAsync();
        var first = TestDirectories.Create(storage);
        var second = TestDirectories.Create(storage);

        // Both instances race to create the document itself (If-None-Match: *), then to extend it (If-Match).
        await Task.WhenAll(first.AddDomainAsync("one.test", Ct), second.AddDomainAsync("two.test", Ct));
        var adds = Enumerable.Range(0, 20).Select(i =>
            (i % 2 == 0 ? first : second).AddAccountAsync($"user{i}@{(i % 4 < 2 ? "one" : "two")}.test", $"pw{i}", null, null, Ct));
        var added = await Task.WhenAll(adds);

        var stored = await TestDirectories.Create(storage).GetSnapshotAsync(Ct);
        Assert.Equal(["one.test", "two.test"], stored.Domains.Select(d => d.Name).Order());
        Assert.Equal(20, stored.Accounts.Count);
        Assert.All(added, account => Assert.Equal(account, stored.FindAccountById(account.Id)));
    }

    [Fact]
    public async Task A_change_from_another_instance_is_seen_once_the_revalidation_interval_passes()
    {
        var counter = new RequestCounter();
        var storage = await azurite.CreateStorageAsync(counter);
        var time = new SteppedTimeProvider();
        var interval = TimeSpan.FromSeconds(2);
        var writer = TestDirectories.Create(storage);
        var reader = TestDirectories.Create(storage, TestDirectories.Options(interval), time);
        await writer.AddDomainAsync("example.test", Ct);
        Assert.True((await reader.GetSnapshotAsync(Ct)).IsHostedDomain("example.test"));

        await writer.AddDomainAsync("later.test", Ct);
        counter.Reset();
        var cached = await reader.GetSnapshotAsync(Ct);
        Assert.False(cached.IsHostedDomain("later.test"));
        Assert.Equal(0, counter.Count);

        time.Advance(interval);
        var revalidated = await reader.GetSnapshotAsync(Ct);
        Assert.True(revalidated.IsHostedDomain("later.test"));
        Assert.Equal(1, counter.Count);
    }

    [Fact]
    public async Task Revalidating_an_unchanged_directory_is_one_conditional_request_without_a_download()
    {
        var counter = new RequestCounter();
        var storage = await azurite.CreateStorageAsync(counter);
        var time = new SteppedTimeProvider();
        var directory = TestDirectories.Create(storage, TestDirectories.Options(TimeSpan.FromSeconds(2)), time);
        await directory.AddDomainAsync("example.test", Ct);
        var before = await directory.GetSnapshotAsync(Ct);

        counter.Reset();
        time.Advance(TimeSpan.FromSeconds(2));
        var after = await directory.GetSnapshotAsync(Ct);

        Assert.Same(before, after);
        Assert.Equal(1, counter.Count);
        Assert.StartsWith("GET ", counter.Requests[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_readers_of_a_stale_cache_share_one_revalidation()
    {
        var counter = new RequestCounter();
        var storage = await azurite.CreateStorageAsync(counter);
        var time = new SteppedTimeProvider();
        var directory = TestDirectories.Create(storage, TestDirectories.Options(TimeSpan.FromSeconds(2)), time);
        await directory.AddDomainAsync("example.test", Ct);

        counter.Reset();
        time.Advance(TimeSpan.FromSeconds(2));
        var snapshots = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => directory.GetSnapshotAsync(Ct).AsTask()));

        Assert.All(snapshots, s => Assert.True(s.IsHostedDomain("example.test")));
        Assert.Equal(1, counter.Count);
    }

    [Fact]
    public async Task Concurrent_readers_of_a_stale_cache_all_see_a_change_made_elsewhere()
    {
        var storage = await azurite.CreateStorageAsync();
        var time = new SteppedTimeProvider();
        var writer = TestDirectories.Create(storage);
        var reader = TestDirectories.Create(storage, TestDirectories.Options(TimeSpan.FromSeconds(2)), time);
        await writer.AddDomainAsync("example.test", Ct);
        await reader.GetSnapshotAsync(Ct);

        // Added by the CLI while a burst of SMTP sessions is about to look recipients up: none may
        // answer from the stale snapshot, which would refuse the new account with a permanent 550.
        await writer.AddAccountAsync("new@example.test", "secret", null, null, Ct);
        time.Advance(TimeSpan.FromSeconds(2));
        var snapshots = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => reader.GetSnapshotAsync(Ct).AsTask()));

        Assert.All(snapshots, s => Assert.NotNull(s.FindAccount("new@example.test")));
    }
}
