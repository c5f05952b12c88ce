using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>
/// <see cref="IMailboxStore.AppendManyAsync"/> (IMAP MULTIAPPEND, RFC 3502 §6): every blob is
/// uploaded, then one transaction adds all rows, so the messages are stored all or none.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class AppendManyTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task All_messages_land_in_one_transaction_with_consecutive_uids()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        await harness.NewStore().AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("first"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        var contents = new[] { MailboxTestHarness.Message("a", 100), MailboxTestHarness.Message("b", 2000), MailboxTestHarness.Message("c", 200_000) };
        var dates = new[] { new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)), DateTimeOffset.UnixEpoch, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero) };
        var messages = new List<AppendMessage>
        {
            new(new MemoryStream(contents[0].ToArray()), MailboxTestHarness.Flags(SystemFlags.Seen), dates[0]),
            new(new MemoryStream(contents[1].ToArray()), MailboxTestHarness.Flags(SystemFlags.Flagged, "Work"), dates[1]),
            new(new MemoryStream(contents[2].ToArray()), MessageFlags.Empty, dates[2]),
        };

        // Three uploads, the header query and one transaction.
        var counter = new RequestCounter();
        var result = await harness.NewStore(counter).AppendManyAsync(harness.AccountId, "INBOX", messages, new MailboxQuota(1_000_000), None);
        Assert.Equal(5, counter.Count);

        var snapshot = await harness.NewStore().GetSnapshotAsync(harness.AccountId, "INBOX", None);
        Assert.Equal(snapshot.Status.UidValidity, result.UidValidity);
        Assert.Equal([2u, 3u, 4u], result.Uids);
        var added = snapshot.Messages.Where(m => m.Uid > 1).ToList();
        Assert.Equal(result.Uids, added.Select(m => m.Uid));
        Assert.Equal(contents.Select(c => c.Length), added.Select(m => m.Size));
        Assert.Equal(dates, added.Select(m => m.InternalDate));
        Assert.Equal([SystemFlags.Seen, SystemFlags.Flagged, SystemFlags.None], added.Select(m => m.Flags.System));
        Assert.Contains("work", added[1].Flags.Keywords);
        Assert.Single(added.Select(m => m.ModSeq).Distinct());
        Assert.Equal(snapshot.Status.HighestModSeq, added[0].ModSeq);
        Assert.Equal(snapshot.Messages.Sum(m => m.Size), (await harness.NewStore().GetQuotaUsageAsync(harness.AccountId, None)).UsedBytes);
        for (var i = 0; i < contents.Length; i++)
        {
            await using var stored = await harness.NewStore().OpenMessageAsync(added[i], cancellationToken: None);
            using var copy = new MemoryStream();
            await stored.CopyToAsync(copy);
            Assert.Equal(contents[i].ToArray(), copy.ToArray());
        }

        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task Over_quota_or_into_a_missing_folder_stores_none_and_deletes_the_blobs()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        await store.ListFoldersAsync(harness.AccountId, None);
        List<AppendMessage> Messages() => [.. Enumerable.Range(0, 3).Select(i => new AppendMessage(MailboxTestHarness.Message($"m{i}", 1000), MessageFlags.Empty, DateTimeOffset.UtcNow))];
        var each = MailboxTestHarness.Message("m0", 1000).Length;

        // The first two fit, the third does not: the quota is checked against the total.
        var refused = await Assert.ThrowsAsync<MailboxQuotaExceededException>(() =>
            store.AppendManyAsync(harness.AccountId, "INBOX", Messages(), new MailboxQuota((2 * each) + 1), None));
        Assert.Equal(0, refused.UsedBytes);
        await Assert.ThrowsAsync<FolderNotFoundException>(() => store.AppendManyAsync(harness.AccountId, "Nowhere", Messages(), MailboxQuota.Unlimited, None));

        var status = await store.GetStatusAsync(harness.AccountId, "INBOX", None);
        Assert.Equal(0, status.MessageCount);
        Assert.Equal(1u, status.UidNext);
        Assert.Empty(await harness.BlobNamesAsync());
        Assert.Equal(0, (await store.GetQuotaUsageAsync(harness.AccountId, None)).UsedBytes);
        await MailboxConsistency.AssertAsync(harness);
    }

    [Fact]
    public async Task At_most_48_messages_are_taken()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var messages = Enumerable.Range(0, IMailboxStore.MaxMessagesPerAppend + 1).Select(i => new AppendMessage(MailboxTestHarness.Message($"m{i}"), MessageFlags.Empty, DateTimeOffset.UtcNow)).ToList();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AppendManyAsync(harness.AccountId, "INBOX", messages, MailboxQuota.Unlimited, None));
        var result = await store.AppendManyAsync(harness.AccountId, "INBOX", [.. messages.Take(IMailboxStore.MaxMessagesPerAppend)], MailboxQuota.Unlimited, None);

        Assert.Equal(Enumerable.Range(1, 48).Select(i => (uint)i), result.Uids);
        await MailboxConsistency.AssertAsync(harness);
    }

    public static TheoryData<bool> Sides => [false, true];

    [Theory]
    [MemberData(nameof(Sides))]
    public async Task An_append_interrupted_at_any_request_stores_all_or_none(bool afterSending)
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        await harness.NewStore().ListFoldersAsync(harness.AccountId, None);
        List<AppendMessage> Messages() => [.. Enumerable.Range(0, 3).Select(i => new AppendMessage(MailboxTestHarness.Message($"m{i}"), MessageFlags.Empty, DateTimeOffset.UtcNow))];

        // Three uploads, the header query, the transaction.
        for (var crashAt = 0; crashAt < 5; crashAt++)
        {
            var before = await harness.NewStore().GetStatusAsync(harness.AccountId, "INBOX", None);
            var faults = new FaultInjector();
            faults.FailRequest(crashAt, afterSending);
            await Assert.ThrowsAsync<MailboxStoreUnavailableException>(() => harness.NewStore(faults).AppendManyAsync(harness.AccountId, "INBOX", Messages(), MailboxQuota.Unlimited, None));

            var after = await harness.NewStore().GetStatusAsync(harness.AccountId, "INBOX", None);
            Assert.True(after.MessageCount - before.MessageCount is 0 or 3, $"{after.MessageCount - before.MessageCount} of 3 messages stored");
            Assert.Equal(afterSending && crashAt == 4 ? 3 : 0, after.MessageCount - before.MessageCount);
            await MailboxConsistency.AssertAsync(harness, allowUnreferencedBlobs: true);
        }
    }

    [Fact]
    public async Task Keyed_messages_sent_again_are_not_stored_twice()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        AppendMessage Keyed(int i) => new(MailboxTestHarness.Message($"m{i}"), MessageFlags.Empty, DateTimeOffset.UtcNow) { IdempotencyKey = $"import-{i}" };

        var first = await store.AppendManyAsync(harness.AccountId, "INBOX", [Keyed(0), Keyed(1)], MailboxQuota.Unlimited, None);
        Assert.Equal([1u, 2u], first.Uids);
        Assert.Equal(0, first.AlreadyStored);

        // An interrupted import sends its batch again with more: only the new messages are stored, in order.
        var again = await store.AppendManyAsync(harness.AccountId, "INBOX", [Keyed(0), Keyed(1), Keyed(2), Keyed(3)], MailboxQuota.Unlimited, None);
        Assert.Equal([1u, 2u, 3u, 4u], again.Uids);
        Assert.Equal(2, again.AlreadyStored);

        var all = await store.AppendManyAsync(harness.AccountId, "INBOX", [Keyed(3), Keyed(2)], MailboxQuota.Unlimited, None);
        Assert.Equal([4u, 3u], all.Uids);
        Assert.Equal(2, all.AlreadyStored);

        var snapshot = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);
        Assert.Equal([1u, 2u, 3u, 4u], snapshot.Messages.Select(m => m.Uid));
        Assert.Equal(4, (await store.GetQuotaUsageAsync(harness.AccountId, None)).MessageCount);
        await MailboxConsistency.AssertAsync(harness);
    }
}
