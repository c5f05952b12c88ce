using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>The three append invariants: commit-order visibility, exactly-once by idempotency key, constant cost.</summary>
[Collection(AzuriteCollection.Name)]
public class AppendInvariantTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Concurrent_appends_from_several_instances_get_unique_uids_that_readers_see_in_commit_order()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var writers = Enumerable.Range(0, 3).Select(_ => harness.NewStore()).ToList();
        var reader = harness.NewStore();
        await reader.ListFoldersAsync(harness.AccountId, None);
        using var done = new CancellationTokenSource();

        var observations = new List<FolderSnapshot>();
        var reading = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                observations.Add(await reader.GetSnapshotAsync(harness.AccountId, "INBOX", None));
            }
        });
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            writers[i % writers.Count].AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message($"m{i}"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None)));
        await done.CancelAsync();
        await reading;
        observations.Add(await reader.GetSnapshotAsync(harness.AccountId, "INBOX", None));

        var uids = results.Select(r => r.Uid).ToList();
        Assert.Equal(50, uids.Distinct().Count());
        Assert.Equal(uids.Order(), observations[^1].Messages.Select(m => m.Uid));
        Assert.True(observations.Count > 2, "the reader should have looked while appends were in flight");

        // A UID that shows up new must lie at or above the UIDNEXT every earlier look reported.
        var seen = new HashSet<uint>();
        uint previousUidNext = 1;
        foreach (var snapshot in observations)
        {
            Assert.All(snapshot.Messages, m => Assert.True(m.Uid < snapshot.Status.UidNext));
            Assert.True(snapshot.Status.UidNext >= previousUidNext);
            foreach (var message in snapshot.Messages.Where(m => !seen.Contains(m.Uid)))
            {
                Assert.True(message.Uid >= previousUidNext, $"UID {message.Uid} appeared after UIDNEXT {previousUidNext} was reported");
                seen.Add(message.Uid);
            }

            Assert.Subset(snapshot.Messages.Select(m => m.Uid).ToHashSet(), seen);
            previousUidNext = snapshot.Status.UidNext;
        }
    }

    [Fact]
    public async Task An_append_in_flight_holds_back_higher_uids_until_it_completes()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var inbox = await store.Catalog.GetAsync(harness.AccountId, "INBOX", None);
        var slow = await store.Appender.ReserveAsync(harness.AccountId, inbox, None);

        var fast = await harness.NewStore().AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("fast"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        var whileInFlight = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);
        var statusInFlight = await store.GetStatusAsync(harness.AccountId, "INBOX", None);

        var size = await store.Appender.UploadAsync(harness.AccountId, inbox, slow, MailboxTestHarness.Message("slow"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        await store.Appender.CompleteAsync(harness.AccountId, inbox, slow, size, None);
        var afterwards = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);

        Assert.Equal(slow.Uid + 1, fast.Uid);
        Assert.Empty(whileInFlight.Messages);
        Assert.Equal(slow.Uid, whileInFlight.Status.UidNext);
        Assert.Equal(slow.Uid, statusInFlight.UidNext);
        Assert.True(statusInFlight.HighestModSeq < slow.ModSeq);
        Assert.Equal([slow.Uid!.Value, fast.Uid], afterwards.Messages.Select(m => m.Uid));
        Assert.Equal(fast.Uid + 1, afterwards.Status.UidNext);
    }

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
    }

    [Fact]
    public async Task Concurrent_twins_of_one_delivery_store_it_once()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var stores = Enumerable.Range(0, 5).Select(_ => harness.NewStore()).ToList();
        await stores[0].ListFoldersAsync(harness.AccountId, None);

        var results = await Task.WhenAll(stores.Select(s =>
            s.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("twin"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-twin", None)));

        var message = Assert.Single((await stores[0].GetSnapshotAsync(harness.AccountId, "INBOX", None)).Messages);
        Assert.All(results, r => Assert.Equal(message.Uid, r.Uid));
        Assert.Equal(1, (await stores[0].GetStatusAsync(harness.AccountId, "INBOX", None)).MessageCount);
    }

    [Fact]
    public async Task A_retry_after_a_crash_before_the_upload_stores_the_delivery_once()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var crashed = harness.NewStore();
        var inbox = await crashed.Catalog.GetAsync(harness.AccountId, "INBOX", None);
        var reservation = await crashed.Appender.ReserveAsync(harness.AccountId, inbox, None);
        Assert.True(await crashed.Appender.TryWriteMarkerAsync(crashed.Appender.Marker(harness.AccountId, inbox, "delivery-7"), reservation, null, None));

        var retry = await harness.NewStore().AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("retried"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-7", None);
        var again = await harness.NewStore().AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("retried"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-7", None);

        Assert.Equal(reservation.Uid, retry.Uid);
        Assert.False(retry.AlreadyDelivered);
        Assert.True(again.AlreadyDelivered);
        Assert.Equal([retry.Uid], (await crashed.GetSnapshotAsync(harness.AccountId, "INBOX", None)).Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task A_retry_after_a_crash_between_upload_and_commit_stores_and_counts_the_delivery_once()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var crashed = harness.NewStore();
        var inbox = await crashed.Catalog.GetAsync(harness.AccountId, "INBOX", None);
        var content = MailboxTestHarness.Message("half done", 300).ToArray();
        var reservation = await crashed.Appender.ReserveAsync(harness.AccountId, inbox, None);
        Assert.True(await crashed.Appender.TryWriteMarkerAsync(crashed.Appender.Marker(harness.AccountId, inbox, "delivery-8"), reservation, null, None));
        await crashed.Appender.UploadAsync(harness.AccountId, inbox, reservation, new MemoryStream(content), MessageFlags.Empty, DateTimeOffset.UtcNow, "hash", None);

        var retry = await harness.NewStore().AppendAsync(harness.AccountId, "INBOX", new MemoryStream(content), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-8", None);

        var status = await crashed.GetStatusAsync(harness.AccountId, "INBOX", None);
        Assert.Equal(reservation.Uid, retry.Uid);
        Assert.Single((await crashed.GetSnapshotAsync(harness.AccountId, "INBOX", None)).Messages);
        Assert.Equal(1, status.MessageCount);
        Assert.Equal(content.Length, status.TotalSize);
    }

    [Fact]
    public async Task A_retry_after_the_reservation_went_stale_stores_once_under_a_new_uid_and_the_late_original_fails()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var crashed = harness.NewStore(clock: clock);
        var inbox = await crashed.Catalog.GetAsync(harness.AccountId, "INBOX", None);
        var stale = await crashed.Appender.ReserveAsync(harness.AccountId, inbox, None);
        Assert.True(await crashed.Appender.TryWriteMarkerAsync(crashed.Appender.Marker(harness.AccountId, inbox, "delivery-9"), stale, null, None));
        var size = await crashed.Appender.UploadAsync(harness.AccountId, inbox, stale, MailboxTestHarness.Message("late"), MessageFlags.Empty, DateTimeOffset.UtcNow, "hash", None);

        clock.Advance(new MailboxStoreOptions().PendingTimeout + TimeSpan.FromSeconds(1));
        var hiddenMeanwhile = await crashed.GetSnapshotAsync(harness.AccountId, "INBOX", None);
        var retry = await harness.NewStore(clock: clock).AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("late"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-9", None);
        await Assert.ThrowsAsync<TimeoutException>(() => crashed.Appender.CompleteAsync(harness.AccountId, inbox, stale, size, None));
        var redelivered = await harness.NewStore(clock: clock).AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("late"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-9", None);

        Assert.Empty(hiddenMeanwhile.Messages);
        Assert.NotEqual(stale.Uid, retry.Uid);
        Assert.Equal(retry.Uid, redelivered.Uid);
        Assert.True(redelivered.AlreadyDelivered);
        var snapshot = await crashed.GetSnapshotAsync(harness.AccountId, "INBOX", None);
        Assert.Equal([retry.Uid], snapshot.Messages.Select(m => m.Uid));
        Assert.Equal(1, (await crashed.GetStatusAsync(harness.AccountId, "INBOX", None)).MessageCount);
    }

    [Fact]
    public async Task A_delivery_redelivered_after_the_user_expunged_it_stays_expunged()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var first = await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("read and deleted"), MailboxTestHarness.Flags(SystemFlags.Deleted), DateTimeOffset.UtcNow, "delivery-10", None);
        await store.ExpungeAsync(harness.AccountId, "INBOX", null, None);

        var redelivered = await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("read and deleted"), MessageFlags.Empty, DateTimeOffset.UtcNow, "delivery-10", None);

        Assert.True(redelivered.AlreadyDelivered);
        Assert.Equal(first.Uid, redelivered.Uid);
        Assert.Empty((await store.GetSnapshotAsync(harness.AccountId, "INBOX", None)).Messages);
    }

    [Fact]
    public async Task An_append_costs_the_same_requests_in_a_folder_of_ten_as_of_a_thousand()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var seeder = harness.NewStore();
        await seeder.CreateFolderAsync(harness.AccountId, "Small", None);
        await seeder.CreateFolderAsync(harness.AccountId, "Large", None);
        await SeedAsync(seeder, harness.AccountId, "Small", 10);
        await SeedAsync(seeder, harness.AccountId, "Large", 1_000);
        var counter = new RequestCounter();
        var store = harness.NewStore(counter);

        var small = await CountAppendAsync(store, counter, harness.AccountId, "Small");
        var large = await CountAppendAsync(store, counter, harness.AccountId, "Large");

        Assert.Equal(1_001, (await store.GetStatusAsync(harness.AccountId, "Large", None)).MessageCount);
        Assert.Equal(small.Select(Shape), large.Select(Shape));
        Assert.True(large.Count <= 8, "requests: " + string.Join(", ", large));
    }

    private static async Task<IReadOnlyList<string>> CountAppendAsync(BlobMailboxStore store, RequestCounter counter, string accountId, string folder)
    {
        counter.Reset();
        await store.AppendAsync(accountId, folder, MailboxTestHarness.Message("counted"), MessageFlags.Empty, DateTimeOffset.UtcNow, $"delivery-{folder}", None);
        return counter.Requests;
    }

    /// <summary>A request without the parts that differ between folders (ids, UIDs, hashes).</summary>
    private static string Shape(string request) => request.Split(' ')[0] + " " + request.Split('/')[^1].Split('?')[0] switch
    {
        "folders.json" => "folders.json",
        "state.json" => "state.json",
        _ => request.Contains("/m/", StringComparison.Ordinal) ? "message" : request.Contains("/d/", StringComparison.Ordinal) ? "marker" : "other",
    };

    private static Task SeedAsync(BlobMailboxStore store, string accountId, string folder, int count) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, token) =>
            await store.AppendAsync(accountId, folder, MailboxTestHarness.Message($"seed {i}", 16), MessageFlags.Empty, DateTimeOffset.UtcNow, null, token));
}
