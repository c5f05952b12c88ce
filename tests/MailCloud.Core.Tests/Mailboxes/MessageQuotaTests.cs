using Azure.Data.Tables;
using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>
/// The account's message count (RFC 9208 §5.2 MESSAGE): kept on the account row by every change that
/// adds or removes messages, in the same transaction as the byte usage, and held to the message limit there.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class MessageQuotaTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_count_follows_append_multiappend_copy_move_expunge_and_folder_delete()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var id = harness.AccountId;

        var first = await AppendAsync(store, id, "INBOX");
        await AppendAsync(store, id, "INBOX");
        await store.AppendManyAsync(id, "Archive", [Message("m1"), Message("m2")], MailboxQuota.Unlimited, None);
        Assert.Equal(4, await CountAsync(harness));

        await store.CopyAsync(id, "INBOX", [first], "Sent", MailboxQuota.Unlimited, None);
        Assert.Equal(5, await CountAsync(harness));

        // RFC 9208 §5.2: a MOVE between folders of one quota root changes no usage.
        await store.MoveAsync(id, "Archive", [1, 2], "Trash", None);
        Assert.Equal(5, await CountAsync(harness));

        await store.StoreFlagsAsync(id, "INBOX", [first], FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Deleted), null, None);
        Assert.Equal([first], await store.ExpungeAsync(id, "INBOX", null, None));
        Assert.Equal(4, await CountAsync(harness));

        await store.CreateFolderAsync(id, "Old", SpecialUse.None, None);
        await store.CopyAsync(id, "Trash", [1, 2], "Old", MailboxQuota.Unlimited, None);
        Assert.Equal(6, await CountAsync(harness));
        await store.DeleteFolderAsync(id, "Old", None);
        Assert.Equal(4, await CountAsync(harness));
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task Over_the_message_limit_append_multiappend_and_copy_are_refused_with_nothing_stored_and_move_is_not()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var id = harness.AccountId;
        var quota = new MailboxQuota(1_000_000, MaxMessages: 3);
        var inbox = await store.AppendAsync(id, "INBOX", MailboxTestHarness.Message("one"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, quota, None);
        await store.AppendAsync(id, "INBOX", MailboxTestHarness.Message("two"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, quota, None);
        var usage = await store.GetQuotaUsageAsync(id, None);
        var rowsBefore = await harness.RowsAsync();
        var blobsBefore = await harness.BlobNamesAsync();

        // Two more do not fit the one place left: neither is stored (RFC 3502 §6, RFC 9208 §4.3).
        var refused = await Assert.ThrowsAsync<MailboxQuotaExceededException>(() => store.AppendManyAsync(id, "Archive", [Message("a"), Message("b")], quota, None));
        Assert.Equal(usage, refused.Usage);
        Assert.Equal(quota, refused.Quota);
        await AssertUnchangedAsync(harness, rowsBefore, blobsBefore);

        await store.AppendAsync(id, "Archive", MailboxTestHarness.Message("three"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, quota, None);
        rowsBefore = await harness.RowsAsync();
        blobsBefore = await harness.BlobNamesAsync();
        refused = await Assert.ThrowsAsync<MailboxQuotaExceededException>(() =>
            store.AppendAsync(id, "INBOX", MailboxTestHarness.Message("four"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, quota, None));
        Assert.Equal(3, refused.Usage.MessageCount);
        await Assert.ThrowsAsync<MailboxQuotaExceededException>(() => store.CopyAsync(id, "INBOX", [inbox.Uid], "Sent", quota, None));
        await AssertUnchangedAsync(harness, rowsBefore, blobsBefore);

        // A full account still moves: the count stays at the limit.
        var moved = await store.MoveAsync(id, "INBOX", [inbox.Uid], "Sent", None);
        Assert.Single(moved.Mapping);
        Assert.Equal(3, await CountAsync(harness));

        // Room again after an expunge.
        await store.StoreFlagsAsync(id, "Sent", [moved.Mapping[0].DestinationUid], FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Deleted), null, None);
        await store.ExpungeAsync(id, "Sent", null, None);
        await store.AppendAsync(id, "INBOX", MailboxTestHarness.Message("four"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, quota, None);
        Assert.Equal(3, await CountAsync(harness));
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task Concurrent_appends_from_two_instances_stop_exactly_at_the_limit()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var stores = new[] { harness.NewStore(), harness.NewStore() };
        await stores[0].ListFoldersAsync(harness.AccountId, None);
        var quota = new MailboxQuota(10_000_000, MaxMessages: 5);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            try
            {
                await stores[i % 2].AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message($"race {i}"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, quota, None);
                return true;
            }
            catch (MailboxQuotaExceededException)
            {
                return false;
            }
        }));

        Assert.Equal(5, outcomes.Count(stored => stored));
        Assert.Equal(5, (await harness.NewStore().GetStatusAsync(harness.AccountId, "INBOX", None)).MessageCount);
        Assert.Equal(5, await CountAsync(harness));
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task An_account_row_without_the_count_takes_it_from_the_folder_rows_and_the_next_change_stores_it()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var id = harness.AccountId;
        var writer = harness.NewStore();
        await AppendAsync(writer, id, "INBOX");
        await AppendAsync(writer, id, "INBOX");
        await AppendAsync(writer, id, "Archive");
        var account = (await harness.RowsAsync()).Single(r => r.RowKey == "A");
        account.Remove("MessageCount");
        await harness.Storage.MailboxIndex.UpdateEntityAsync(account, account.ETag, TableUpdateMode.Replace);

        // Read by a fresh instance (as a gateway started after the upgrade would): point read and header query alike.
        Assert.Equal(3, (await harness.NewStore().GetQuotaUsageAsync(id, None)).MessageCount);
        var reader = harness.NewStore();
        var full = new MailboxQuota(1_000_000, MaxMessages: 3);
        await Assert.ThrowsAsync<MailboxQuotaExceededException>(() =>
            reader.AppendAsync(id, "INBOX", MailboxTestHarness.Message("over"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, full, None));
        Assert.Null((await harness.RowsAsync()).Single(r => r.RowKey == "A").GetInt64("MessageCount"));

        await reader.AppendAsync(id, "INBOX", MailboxTestHarness.Message("fits"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, full with { MaxMessages = 4 }, None);
        Assert.Equal(4, (await harness.RowsAsync()).Single(r => r.RowKey == "A").GetInt64("MessageCount"));
        await MailboxConsistency.AssertAsync(harness);
    }

    private static AppendMessage Message(string subject) => new(MailboxTestHarness.Message(subject), MessageFlags.Empty, DateTimeOffset.UtcNow);

    private static async Task<uint> AppendAsync(IMailboxStore store, string accountId, string folder) =>
        (await store.AppendAsync(accountId, folder, MailboxTestHarness.Message(folder), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None)).Uid;

    /// <summary>The count as a fresh instance reads it (one point read of the account row), checked against the message rows.</summary>
    private static async Task<long> CountAsync(MailboxTestHarness harness)
    {
        var usage = await harness.NewStore().GetQuotaUsageAsync(harness.AccountId, None);
        Assert.Equal((await harness.RowsAsync()).Count(r => r.RowKey.StartsWith("M:", StringComparison.Ordinal)), usage.MessageCount);
        return usage.MessageCount;
    }

    private static async Task AssertUnchangedAsync(MailboxTestHarness harness, IReadOnlyList<TableEntity> rows, IReadOnlyList<string> blobs)
    {
        static IEnumerable<string> Versions(IEnumerable<TableEntity> of) => of.Select(r => $"{r.RowKey} {r.ETag}").Order(StringComparer.Ordinal);
        Assert.Equal(Versions(rows), Versions(await harness.RowsAsync()));
        Assert.Equal(blobs.Order(StringComparer.Ordinal), (await harness.BlobNamesAsync()).Order(StringComparer.Ordinal));
    }
}
