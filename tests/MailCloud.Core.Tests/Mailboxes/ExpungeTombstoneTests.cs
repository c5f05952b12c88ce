using Azure.Data.Tables;
using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>
/// Expunge tombstones (RFC 7162 §3.2.5: what vanished since a MODSEQ): written in the transaction
/// that removes the message rows, read back by <see cref="IMailboxStore.GetChangesAsync"/>, bounded
/// by <see cref="MailboxStoreOptions.MaxTombstonesPerFolder"/>, and never counted as usage.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class ExpungeTombstoneTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Expunge_writes_its_tombstone_in_the_same_transaction_and_changes_name_the_vanished_uids()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var uids = await AppendAsync(store, harness, "INBOX", 5);
        var before = await store.GetStatusAsync(harness.AccountId, "INBOX", None);
        await store.StoreFlagsAsync(harness.AccountId, "INBOX", [uids[1], uids[2]], FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Deleted), null, None);
        var counter = new RequestCounter();

        var removed = await harness.NewStore(counter).ExpungeAsync(harness.AccountId, "INBOX", null, None);

        Assert.Equal([uids[1], uids[2]], removed);
        Assert.Single(counter.Requests, r => r.Contains("$batch", StringComparison.Ordinal));
        var tombstone = Assert.Single(await harness.RowsAsync(), r => r.RowKey.StartsWith("V:", StringComparison.Ordinal));
        var after = await store.GetStatusAsync(harness.AccountId, "INBOX", None);
        Assert.Equal($"{uids[1]}:{uids[2]}", tombstone.GetString("Uids"));
        Assert.Equal((long)after.HighestModSeq, tombstone.GetInt64("ModSeq"));
        Assert.Equal(before.HighestModSeq + 2, after.HighestModSeq);

        var changes = await store.GetChangesAsync(harness.AccountId, "INBOX", before.HighestModSeq, None);
        Assert.True(changes.VanishedExact);
        Assert.Equal([uids[1], uids[2]], changes.Vanished);
        var none = await store.GetChangesAsync(harness.AccountId, "INBOX", after.HighestModSeq, None);
        Assert.True(none.VanishedExact);
        Assert.Empty(none.Vanished);
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task A_refused_expunge_transaction_leaves_neither_tombstone_nor_gap()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var uids = await AppendAsync(store, harness, "INBOX", 2);
        await store.StoreFlagsAsync(harness.AccountId, "INBOX", uids, FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Deleted), null, None);
        var counter = new RequestCounter();
        var faults = new FaultInjector();
        var faulty = harness.NewStore(counter, faults);

        // Header query, message query, the committer's header query, then the transaction.
        faults.FailRequest(3, afterSending: false);
        await Assert.ThrowsAsync<MailboxStoreUnavailableException>(() => faulty.ExpungeAsync(harness.AccountId, "INBOX", null, None));

        Assert.Contains("$batch", counter.Requests[^1], StringComparison.Ordinal);

        Assert.DoesNotContain(await harness.RowsAsync(), r => r.RowKey.StartsWith("V:", StringComparison.Ordinal));
        Assert.Equal(2, (await store.GetStatusAsync(harness.AccountId, "INBOX", None)).MessageCount);
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task Expunging_more_than_one_transaction_holds_leaves_one_tombstone_per_transaction()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var uids = new List<uint>();
        for (var i = 0; i < 3; i++)
        {
            var batch = Enumerable.Range(0, IMailboxStore.MaxMessagesPerAppend)
                .Select(n => new AppendMessage(MailboxTestHarness.Message($"m{i}-{n}"), MailboxTestHarness.Flags(SystemFlags.Deleted), DateTimeOffset.UtcNow)).ToList();
            uids.AddRange((await store.AppendManyAsync(harness.AccountId, "INBOX", batch, MailboxQuota.Unlimited, None)).Uids);
        }

        var before = await store.GetStatusAsync(harness.AccountId, "INBOX", None);
        var removed = await store.ExpungeAsync(harness.AccountId, "INBOX", null, None);

        Assert.Equal(144, removed.Count);
        var tombstones = (await harness.RowsAsync()).Where(r => r.RowKey.StartsWith("V:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, tombstones.Count);
        var changes = await store.GetChangesAsync(harness.AccountId, "INBOX", before.HighestModSeq, None);
        Assert.Equal(uids, changes.Vanished);
        Assert.True(changes.VanishedExact);
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task Move_leaves_a_tombstone_in_the_source_only()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var uids = await AppendAsync(store, harness, "INBOX", 3);
        var source = await store.GetStatusAsync(harness.AccountId, "INBOX", None);
        var destination = await store.GetStatusAsync(harness.AccountId, "Archive", None);

        await store.MoveAsync(harness.AccountId, "INBOX", [uids[0], uids[2]], "Archive", None);

        var fromSource = await store.GetChangesAsync(harness.AccountId, "INBOX", source.HighestModSeq, None);
        var toDestination = await store.GetChangesAsync(harness.AccountId, "Archive", destination.HighestModSeq, None);
        Assert.Equal([uids[0], uids[2]], fromSource.Vanished);
        Assert.Empty(toDestination.Vanished);
        Assert.Equal(2, toDestination.Changed.Count);
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task Old_tombstones_are_pruned_and_older_requests_are_told_the_answer_is_not_exact()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore(new MailboxStoreOptions { MaxTombstonesPerFolder = 2 });
        var uids = await AppendAsync(store, harness, "INBOX", 4);
        var usage = await store.GetQuotaUsageAsync(harness.AccountId, None);
        var start = await store.GetStatusAsync(harness.AccountId, "INBOX", None);
        var marks = new List<ulong>();
        foreach (var uid in uids)
        {
            await store.StoreFlagsAsync(harness.AccountId, "INBOX", [uid], FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Deleted), null, None);
            await store.ExpungeAsync(harness.AccountId, "INBOX", [uid], None);
            marks.Add((await store.GetStatusAsync(harness.AccountId, "INBOX", None)).HighestModSeq);
        }

        var tombstones = (await harness.RowsAsync()).Where(r => r.RowKey.StartsWith("V:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, tombstones.Count);
        var status = await store.GetStatusAsync(harness.AccountId, "INBOX", None);
        Assert.Equal(marks[1], status.VanishedFloor);

        var old = await store.GetChangesAsync(harness.AccountId, "INBOX", start.HighestModSeq, None);
        Assert.False(old.VanishedExact);
        var recent = await store.GetChangesAsync(harness.AccountId, "INBOX", marks[1], None);
        Assert.True(recent.VanishedExact);
        Assert.Equal([uids[2], uids[3]], recent.Vanished);

        // Tombstones are not messages: usage went down by exactly the expunged messages, to nothing.
        Assert.True(usage.UsedBytes > 0);
        Assert.Equal(new QuotaUsage(0, 0), await store.GetQuotaUsageAsync(harness.AccountId, None));
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task A_folder_row_from_before_tombstones_is_exact_only_from_its_modseq_then()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var uids = await AppendAsync(store, harness, "INBOX", 3);
        var inbox = (await harness.RowsAsync()).Single(r => r.RowKey.StartsWith("F:", StringComparison.Ordinal) && r.GetString("Name") == "INBOX");
        inbox.Remove("VanishedFloor");
        inbox.Remove("TombstoneCount");
        await harness.Storage.MailboxIndex.UpdateEntityAsync(inbox, inbox.ETag, TableUpdateMode.Replace);
        var legacy = (ulong)inbox.GetInt64("HighestModSeq")!.Value;

        var fresh = harness.NewStore();
        Assert.False((await fresh.GetChangesAsync(harness.AccountId, "INBOX", legacy - 1, None)).VanishedExact);
        await fresh.StoreFlagsAsync(harness.AccountId, "INBOX", [uids[0]], FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Deleted), null, None);
        await fresh.ExpungeAsync(harness.AccountId, "INBOX", null, None);

        var changes = await fresh.GetChangesAsync(harness.AccountId, "INBOX", legacy, None);
        Assert.True(changes.VanishedExact);
        Assert.Equal([uids[0]], changes.Vanished);
        Assert.Equal(legacy, (await fresh.GetStatusAsync(harness.AccountId, "INBOX", None)).VanishedFloor);
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task Deleting_a_folder_deletes_its_tombstones()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        await store.CreateFolderAsync(harness.AccountId, "Work", None);
        var uids = await AppendAsync(store, harness, "Work", 2);
        await store.StoreFlagsAsync(harness.AccountId, "Work", uids, FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Deleted), null, None);
        await store.ExpungeAsync(harness.AccountId, "Work", null, None);

        await store.DeleteFolderAsync(harness.AccountId, "Work", None);

        Assert.DoesNotContain(await harness.RowsAsync(), r => r.RowKey.StartsWith("V:", StringComparison.Ordinal));
        await MailboxConsistency.AssertAsync(harness);
    }

    private static async Task<List<uint>> AppendAsync(IMailboxStore store, MailboxTestHarness harness, string folder, int count)
    {
        var uids = new List<uint>();
        for (var i = 0; i < count; i++)
        {
            uids.Add((await store.AppendAsync(harness.AccountId, folder, MailboxTestHarness.Message($"m{i}"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None)).Uid);
        }

        return uids;
    }
}
