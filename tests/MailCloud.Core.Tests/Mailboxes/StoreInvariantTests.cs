using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>The store's invariants against real Azurite: unique ascending UIDs under concurrency, exactly-once delivery.</summary>
[Collection(AzuriteCollection.Name)]
public class StoreInvariantTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_same_delivery_twice_is_stored_once()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();

        var first = await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("once"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-42", None);
        var second = await harness.NewStore().AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("once"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-42", None);
        var other = await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("other"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-43", None);

        Assert.False(first.AlreadyDelivered);
        Assert.True(second.AlreadyDelivered);
        Assert.Equal(first.Uid, second.Uid);
        Assert.NotEqual(first.Uid, other.Uid);
        var snapshot = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);
        Assert.Equal([first.Uid, other.Uid], snapshot.Messages.Select(m => m.Uid));
        Assert.Equal(2, (await store.GetStatusAsync(harness.AccountId, "INBOX", None)).MessageCount);
        Assert.Equal(2, (await harness.BlobNamesAsync()).Count);
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task Concurrent_twins_of_one_delivery_store_it_once()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var stores = Enumerable.Range(0, 3).Select(_ => harness.NewStore()).ToList();
        await stores[0].ListFoldersAsync(harness.AccountId, None);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            stores[i % stores.Count].AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("twin"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-twin", None)));

        var message = Assert.Single((await stores[0].GetSnapshotAsync(harness.AccountId, "INBOX", None)).Messages);
        Assert.All(results, r => Assert.Equal(message.Uid, r.Uid));
        Assert.Single(results, r => !r.AlreadyDelivered);
        Assert.Single(await harness.BlobNamesAsync());
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task A_delivery_redelivered_after_the_user_expunged_it_stays_expunged()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var first = await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("read and deleted"), MailboxTestHarness.Flags(SystemFlags.Deleted), DateTimeOffset.UtcNow, "delivery-10", None);
        await store.ExpungeAsync(harness.AccountId, "INBOX", null, None);

        var redelivered = await harness.NewStore().AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("read and deleted"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-10", None);

        Assert.True(redelivered.AlreadyDelivered);
        Assert.Equal(first.Uid, redelivered.Uid);
        Assert.Empty((await store.GetSnapshotAsync(harness.AccountId, "INBOX", None)).Messages);
        Assert.Empty(await harness.BlobNamesAsync());
        await MailboxConsistency.AssertAsync(harness);
    }
}
