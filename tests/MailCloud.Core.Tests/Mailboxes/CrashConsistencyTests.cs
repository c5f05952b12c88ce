using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>
/// A crash before or after each storage request of an append, a STORE and an EXPUNGE (the
/// request fails in the SDK pipeline, on its way to Azurite or on the way back) leaves the
/// folder consistent, and the change, tried again by another instance, lands exactly once.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class CrashConsistencyTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<bool> Sides => [false, true];

    [Theory]
    [MemberData(nameof(Sides))]
    public async Task A_delivery_interrupted_at_any_request_lands_once_when_retried(bool afterSending)
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        await harness.NewStore().ListFoldersAsync(harness.AccountId, None);
        var requests = await CountRequestsAsync(harness, store => store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("baseline"), MessageFlags.Empty, DateTimeOffset.UtcNow, "baseline", None));
        Assert.Equal(3, requests);

        for (var crashAt = 0; crashAt < requests; crashAt++)
        {
            var before = await harness.NewStore().GetStatusAsync(harness.AccountId, "INBOX", None);
            var key = $"delivery-{crashAt}";
            var faults = new FaultInjector();
            faults.FailRequest(crashAt, afterSending);
            await Assert.ThrowsAsync<MailboxStoreUnavailableException>(() =>
                harness.NewStore(faults).AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message(key), MessageFlags.Empty, DateTimeOffset.UtcNow, key, None));
            await MailboxConsistency.AssertAsync(harness, allowUnreferencedBlobs: true);

            var retry = await harness.NewStore().AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message(key), MessageFlags.Empty, DateTimeOffset.UtcNow, key, None);
            var again = await harness.NewStore().AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message(key), MessageFlags.Empty, DateTimeOffset.UtcNow, key, None);

            var after = await harness.NewStore().GetStatusAsync(harness.AccountId, "INBOX", None);
            Assert.Equal(before.MessageCount + 1, after.MessageCount);
            Assert.True(after.HighestModSeq > before.HighestModSeq);
            Assert.True(again.AlreadyDelivered);
            Assert.Equal(retry.Uid, again.Uid);
            Assert.Equal(afterSending && crashAt == requests - 1, retry.AlreadyDelivered);
            await MailboxConsistency.AssertAsync(harness, allowUnreferencedBlobs: true);
        }
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public async Task A_store_interrupted_at_any_request_changes_all_or_nothing(bool afterSending)
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var seeder = harness.NewStore();
        var uids = new List<uint>();
        for (var i = 0; i < 3; i++)
        {
            uids.Add((await seeder.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message($"m{i}"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None)).Uid);
        }

        var requests = await CountRequestsAsync(harness, store => store.StoreFlagsAsync(harness.AccountId, "INBOX", uids, FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.None, "baseline"), null, None));
        Assert.Equal(4, requests);
        for (var crashAt = 0; crashAt < requests; crashAt++)
        {
            var before = await MailboxConsistency.AssertAsync(harness);
            var keyword = $"k{crashAt}";
            var faults = new FaultInjector();
            faults.FailRequest(crashAt, afterSending);
            await Assert.ThrowsAsync<MailboxStoreUnavailableException>(() =>
                harness.NewStore(faults).StoreFlagsAsync(harness.AccountId, "INBOX", uids, FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Seen, keyword), null, None));
            var crashed = await harness.NewStore().GetSnapshotAsync(harness.AccountId, "INBOX", None);
            var applied = crashed.Messages.Count(m => m.Flags.Keywords.Contains(keyword));
            Assert.True(applied is 0 or 3, $"{applied} of 3 messages changed");
            await MailboxConsistency.AssertAsync(harness);

            await harness.NewStore().StoreFlagsAsync(harness.AccountId, "INBOX", uids, FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Seen, keyword), null, None);
            var after = await MailboxConsistency.AssertAsync(harness);
            var snapshot = await harness.NewStore().GetSnapshotAsync(harness.AccountId, "INBOX", None);
            Assert.All(snapshot.Messages, m => Assert.Contains(keyword, m.Flags.Keywords));
            Assert.All(after, f => Assert.True(f.Value >= before[f.Key]));
            Assert.Contains(after, f => f.Value > before[f.Key]);
        }
    }

    [Theory]
    [MemberData(nameof(Sides))]
    public async Task An_expunge_interrupted_at_any_request_leaves_no_ghosts_and_finishes_when_retried(bool afterSending)
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var seeder = harness.NewStore();
        await seeder.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("kept"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        await SeedDeletedAsync(seeder, harness, 1);
        var requests = await CountRequestsAsync(harness, store => store.ExpungeAsync(harness.AccountId, "INBOX", null, None));
        Assert.Equal(5, requests);

        for (var crashAt = 0; crashAt < requests; crashAt++)
        {
            await SeedDeletedAsync(seeder, harness, 2);
            var before = await MailboxConsistency.AssertAsync(harness, allowUnreferencedBlobs: true);
            var faults = new FaultInjector();
            faults.FailRequest(crashAt, afterSending);
            try
            {
                await harness.NewStore(faults).ExpungeAsync(harness.AccountId, "INBOX", null, None);
            }
            catch (MailboxStoreUnavailableException)
            {
                // The crash; whether it came before or after the commit, the folder must add up.
            }

            // The blob deletes follow the commit: a crash there leaves only unreferenced blobs for the sweep.
            await MailboxConsistency.AssertAsync(harness, allowUnreferencedBlobs: true);
            await harness.NewStore().ExpungeAsync(harness.AccountId, "INBOX", null, None);

            var after = await MailboxConsistency.AssertAsync(harness, allowUnreferencedBlobs: true);
            var snapshot = await harness.NewStore().GetSnapshotAsync(harness.AccountId, "INBOX", None);
            Assert.Equal(["kept"], snapshot.Messages.Select(m => m.Headers?.Subject));
            Assert.All(after, f => Assert.True(f.Value >= before[f.Key]));
            Assert.Contains(after, f => f.Value > before[f.Key]);
        }
    }

    private static async Task SeedDeletedAsync(IMailboxStore store, MailboxTestHarness harness, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("doomed"), MailboxTestHarness.Flags(SystemFlags.Deleted | SystemFlags.Seen), DateTimeOffset.UtcNow, null, None);
        }
    }

    /// <summary>The storage requests (table and blob) an operation makes on a fresh instance.</summary>
    private static async Task<int> CountRequestsAsync(MailboxTestHarness harness, Func<IMailboxStore, Task> operation)
    {
        var counter = new RequestCounter();
        await operation(harness.NewStore(counter));
        return counter.Count;
    }
}
