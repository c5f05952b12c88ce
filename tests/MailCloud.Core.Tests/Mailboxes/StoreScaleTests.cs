using Azure.Data.Tables;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Tables;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>Concurrency across instances and cost independent of folder size, against real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public class StoreScaleTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Concurrent_appends_from_three_instances_get_unique_ascending_uids_that_readers_see_in_order()
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
        var results = await Task.WhenAll(Enumerable.Range(0, 150).Select(i =>
            writers[i % writers.Count].AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message($"m{i}"), MessageFlags.Empty, DateTimeOffset.UtcNow, $"delivery-{i}", None)));
        await done.CancelAsync();
        await reading;
        observations.Add(await reader.GetSnapshotAsync(harness.AccountId, "INBOX", None));

        var uids = results.Select(r => r.Uid).ToList();
        Assert.Equal(150, uids.Distinct().Count());
        Assert.Equal(uids.Order(), observations[^1].Messages.Select(m => m.Uid));
        Assert.Equal(Enumerable.Range(1, 150).Select(i => (uint)i), observations[^1].Messages.Select(m => m.Uid));
        Assert.Equal(150, observations[^1].Messages.Select(m => m.ModSeq).Distinct().Count());

        // A UID that shows up new lies at or above the UIDNEXT every earlier look reported: no UID appears below one already promised.
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

            previousUidNext = snapshot.Status.UidNext;
        }

        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task A_delivery_and_an_append_cost_the_same_requests_in_a_folder_of_ten_as_of_ten_thousand()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var seeder = harness.NewStore();
        await seeder.CreateFolderAsync(harness.AccountId, "Small", None);
        await seeder.CreateFolderAsync(harness.AccountId, "Large", None);
        await SeedRowsAsync(harness, "Small", 10);
        await SeedRowsAsync(harness, "Large", 10_000);

        var small = await CountDeliveryAsync(harness, "Small");
        var large = await CountDeliveryAsync(harness, "Large");
        var smallAppend = await CountAppendAsync(harness, "Small");
        var largeAppend = await CountAppendAsync(harness, "Large");

        Assert.Equal(10_002, (await seeder.GetStatusAsync(harness.AccountId, "Large", None)).MessageCount);
        Assert.Equal(small.Select(Shape), large.Select(Shape));
        Assert.Equal(["GET table query", "POST table $batch"], large.Select(Shape));
        Assert.Equal(smallAppend.Select(Shape), largeAppend.Select(Shape));
        Assert.Equal(["PUT blob", "GET table query", "POST table $batch"], largeAppend.Select(Shape));
    }

    /// <summary>A pipeline delivery: the row references the accepted spool blob, so nothing is uploaded.</summary>
    private static async Task<IReadOnlyList<string>> CountDeliveryAsync(MailboxTestHarness harness, string folder)
    {
        var counter = new RequestCounter();
        var store = harness.NewStore(counter);
        var head = "Subject: counted\r\n\r\nbody\r\n"u8.ToArray();
        var accepted = new AcceptedMessage($"2026/12/01/{folder}.eml", head.Length, "Return-Path: <a@b.test>\r\n"u8.ToArray(), head);
        await store.AppendAcceptedAsync(harness.AccountId, folder, accepted, MessageFlags.Empty, DateTimeOffset.UtcNow, $"delivery-{folder}", MailboxQuota.Unlimited, None);
        return counter.Requests;
    }

    /// <summary>An IMAP APPEND: the bytes go up in one Put Blob first.</summary>
    private static async Task<IReadOnlyList<string>> CountAppendAsync(MailboxTestHarness harness, string folder)
    {
        var counter = new RequestCounter();
        var store = harness.NewStore(counter);
        await store.AppendAsync(harness.AccountId, folder, MailboxTestHarness.Message("counted", 4096), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        return counter.Requests;
    }

    /// <summary>A request without the parts that differ between folders (names, keys).</summary>
    private static string Shape(string request)
    {
        var method = request.Split(' ')[0];
        return request.Contains("$batch", StringComparison.Ordinal) ? $"{method} table $batch"
            : request.Contains("$filter", StringComparison.Ordinal) ? $"{method} table query"
            : request.Contains("-mailboxes/", StringComparison.Ordinal) ? $"{method} blob"
            : request;
    }

    /// <summary>Writes message rows straight into the table, 100 per transaction, and the folder and account rows that count them.</summary>
    private static async Task SeedRowsAsync(MailboxTestHarness harness, string folderName, int count)
    {
        var table = harness.Storage.MailboxIndex;
        var index = new MailboxIndex(table, TimeProvider.System);
        var state = await index.ReadHeaderAsync(harness.AccountId, None);
        var folder = state.FindFolder(folderName)!;
        var rows = Enumerable.Range(1, count).Select(uid => new MessageRow
        {
            FolderId = folder.FolderId,
            Uid = (uint)uid,
            Flags = MessageFlags.Empty,
            InternalDate = DateTimeOffset.UtcNow,
            Size = 100,
            ModSeq = (ulong)uid + 1,
            Blob = new MessageBlobReference(harness.Storage.Mailboxes.Name, $"{harness.AccountId}/seed-{uid}"),
        }).ToList();
        await Parallel.ForEachAsync(rows.Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (chunk, token) =>
            await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r.ToEntity(harness.AccountId))), token));

        foreach (var row in rows)
        {
            folder.Count(row, +1);
        }

        folder.UidNext = (uint)count + 1;
        folder.HighestModSeq = (ulong)count + 1;
        state.Account.UsedBytes += count * 100L;
        state.Account.MessageCount += count;
        await table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, folder.ToEntity(harness.AccountId), folder.ETag),
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, state.Account.ToEntity(harness.AccountId), state.Account.ETag),
            ],
            None);
    }
}
