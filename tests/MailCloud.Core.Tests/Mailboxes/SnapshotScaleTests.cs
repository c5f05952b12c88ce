using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

[Collection(AzuriteCollection.Name)]
public class SnapshotScaleTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_snapshot_of_thousands_of_messages_spans_list_pages_in_uid_order()
    {
        const int Count = 2_000;
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        await store.ListFoldersAsync(harness.AccountId, CancellationToken.None);
        await Parallel.ForEachAsync(Enumerable.Range(0, Count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, token) =>
        {
            var flags = i % 2 == 0 ? MailboxTestHarness.Flags(SystemFlags.Seen) : MessageFlags.Empty;
            await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message($"bulk {i}", 16), flags, DateTimeOffset.UtcNow, null, token);
        });

        var snapshot = await harness.NewStore(options: new MailboxStoreOptions { ListPageSize = 500 }).GetSnapshotAsync(harness.AccountId, "INBOX", CancellationToken.None);

        Assert.Equal(Count, snapshot.Messages.Count);
        Assert.Equal(Count, snapshot.Status.MessageCount);
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (uint)i), snapshot.Messages.Select(m => m.Uid));
        Assert.Equal(Count / 2, snapshot.Messages.Count(m => m.Flags.Has(SystemFlags.Seen)));
        Assert.Equal((uint)Count + 1, snapshot.Status.UidNext);
    }
}
