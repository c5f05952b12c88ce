using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Mailboxes;

[Collection(AzuriteCollection.Name)]
public class MessageOperationsTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Append_and_snapshot_round_trip_flags_keywords_date_and_size()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var date = new DateTimeOffset(2024, 2, 29, 23, 59, 58, TimeSpan.FromHours(-5));
        var content = MailboxTestHarness.Message("round trip", 1000);
        var size = content.Length;

        var result = await store.AppendAsync(harness.AccountId, "inbox", content, MailboxTestHarness.Flags(SystemFlags.Seen | SystemFlags.Flagged, "$Forwarded", "Work"), date, null, None);

        var snapshot = await harness.NewStore().GetSnapshotAsync(harness.AccountId, "INBOX", None);
        var message = Assert.Single(snapshot.Messages);
        Assert.False(result.AlreadyDelivered);
        Assert.Equal(snapshot.Status.UidValidity, result.UidValidity);
        Assert.Equal(result.Uid, message.Uid);
        Assert.Equal(SystemFlags.Seen | SystemFlags.Flagged, message.Flags.System);
        Assert.True(message.Flags.Keywords.SetEquals(["$forwarded", "work"]));
        Assert.Equal(date, message.InternalDate);
        Assert.Equal(date.Offset, message.InternalDate.Offset);
        Assert.Equal(size, message.Size);
        Assert.Equal(result.Uid + 1, snapshot.Status.UidNext);
        Assert.Equal(1, snapshot.Status.MessageCount);
        Assert.Equal(snapshot.Status.HighestModSeq, message.ModSeq);

        await using var stored = await store.OpenMessageAsync(harness.AccountId, "INBOX", result.Uid, cancellationToken: None);
        using var copy = new MemoryStream();
        await stored.CopyToAsync(copy);
        Assert.Equal(content.ToArray(), copy.ToArray());
    }

    [Fact]
    public async Task Byte_ranges_are_read_and_missing_messages_reported()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var content = MailboxTestHarness.Message("range", 500).ToArray();
        var appended = await store.AppendAsync(harness.AccountId, "INBOX", new MemoryStream(content), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);

        Assert.Equal(content[10..30], await ReadAllAsync(await store.OpenMessageAsync(harness.AccountId, "INBOX", appended.Uid, 10, 20, None)));
        Assert.Equal(content[100..], await ReadAllAsync(await store.OpenMessageAsync(harness.AccountId, "INBOX", appended.Uid, 100, null, None)));
        Assert.Empty(await ReadAllAsync(await store.OpenMessageAsync(harness.AccountId, "INBOX", appended.Uid, content.Length + 10, 5, None)));
        await Assert.ThrowsAsync<MessageNotFoundException>(() => store.OpenMessageAsync(harness.AccountId, "INBOX", appended.Uid + 1, cancellationToken: None));
    }

    [Fact]
    public async Task Store_adds_removes_and_replaces_with_rising_modseq_and_honours_unchangedsince()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var a = await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("a"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        var b = await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("b"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        var start = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);

        var added = await store.StoreFlagsAsync(harness.AccountId, "INBOX", [a.Uid, b.Uid], FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Seen, "Todo"), null, None);
        var afterAdd = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);
        var removed = await store.StoreFlagsAsync(harness.AccountId, "INBOX", [a.Uid], FlagChangeMode.Remove, MailboxTestHarness.Flags(SystemFlags.None, "todo"), null, None);
        var replaced = await store.StoreFlagsAsync(harness.AccountId, "INBOX", [b.Uid], FlagChangeMode.Replace, MailboxTestHarness.Flags(SystemFlags.Answered), null, None);
        var end = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);

        Assert.Equal([a.Uid, b.Uid], added.Changed.Select(m => m.Uid));
        Assert.All(added.Changed, m => Assert.True(m.ModSeq > start.Status.HighestModSeq));
        Assert.Equal(afterAdd.Status.HighestModSeq, added.Changed[0].ModSeq);
        Assert.NotEqual(start.Status.ChangeToken, afterAdd.Status.ChangeToken);
        Assert.True(removed.Changed.Single().ModSeq > added.Changed[0].ModSeq);
        Assert.True(replaced.Changed.Single().ModSeq > removed.Changed.Single().ModSeq);
        Assert.Equal(SystemFlags.Seen, end.Messages[0].Flags.System);
        Assert.Empty(end.Messages[0].Flags.Keywords);
        Assert.Equal(SystemFlags.Answered, end.Messages[1].Flags.System);
        Assert.Empty(end.Messages[1].Flags.Keywords);
        Assert.Equal(end.Messages.Max(m => m.ModSeq), end.Status.HighestModSeq);

        // RFC 7162 §3.1.3: b changed after the client's modseq, a did not.
        var conditional = await store.StoreFlagsAsync(harness.AccountId, "INBOX", [a.Uid, b.Uid], FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Flagged), removed.Changed.Single().ModSeq, None);
        var final = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);

        Assert.Equal([a.Uid], conditional.Changed.Select(m => m.Uid));
        Assert.Equal([b.Uid], conditional.FailedUnchangedSince);
        Assert.True(final.Messages[0].Flags.Has(SystemFlags.Flagged));
        Assert.False(final.Messages[1].Flags.Has(SystemFlags.Flagged));
        Assert.Equal(end.Messages[1].ModSeq, final.Messages[1].ModSeq);
    }

    [Fact]
    public async Task Copy_and_move_map_uids_into_the_destination_and_keep_flags_and_dates()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var date = new DateTimeOffset(2023, 5, 1, 8, 0, 0, TimeSpan.Zero);
        var uids = new List<uint>();
        for (var i = 0; i < 3; i++)
        {
            uids.Add((await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message($"m{i}"), MailboxTestHarness.Flags(SystemFlags.Seen, "k" + i), date.AddDays(i), null, None)).Uid);
        }

        await store.AppendAsync(harness.AccountId, "Archive", MailboxTestHarness.Message("already there"), MessageFlags.Empty, date, null, None);
        var archive = await store.GetStatusAsync(harness.AccountId, "Archive", None);

        var copied = await store.CopyAsync(harness.AccountId, "INBOX", [uids[2], uids[0], 999], "Archive", MailboxQuota.Unlimited, None);
        var moved = await store.MoveAsync(harness.AccountId, "INBOX", [uids[1]], "Trash", None);

        var trash = await store.GetSnapshotAsync(harness.AccountId, "Trash", None);
        var inbox = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);
        var archived = await store.GetSnapshotAsync(harness.AccountId, "Archive", None);
        Assert.Equal(archive.UidValidity, copied.DestinationUidValidity);
        Assert.Equal([(uids[0], archive.UidNext), (uids[2], archive.UidNext + 1)], copied.Mapping);
        Assert.Equal(3, archived.Messages.Count);
        Assert.Equal(date, archived.Messages[1].InternalDate);
        Assert.Contains("k2", archived.Messages[2].Flags.Keywords);
        Assert.Equal(trash.Status.UidValidity, moved.DestinationUidValidity);
        var movedMessage = Assert.Single(trash.Messages);
        Assert.Equal([(uids[1], movedMessage.Uid)], moved.Mapping);
        Assert.Equal(date.AddDays(1), movedMessage.InternalDate);
        Assert.Equal([uids[0], uids[2]], inbox.Messages.Select(m => m.Uid));
        Assert.Equal(2, (await store.GetStatusAsync(harness.AccountId, "INBOX", None)).MessageCount);
    }

    [Fact]
    public async Task Expunge_removes_only_deleted_messages_optionally_limited_to_uids()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var uids = new List<uint>();
        for (var i = 0; i < 4; i++)
        {
            var flags = i == 3 ? MessageFlags.Empty : MailboxTestHarness.Flags(SystemFlags.Deleted);
            uids.Add((await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message($"m{i}"), flags, DateTimeOffset.UtcNow, null, None)).Uid);
        }

        var before = await store.GetStatusAsync(harness.AccountId, "INBOX", None);

        var limited = await store.ExpungeAsync(harness.AccountId, "INBOX", [uids[1], uids[3]], None);
        var rest = await store.ExpungeAsync(harness.AccountId, "INBOX", null, None);

        var after = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);
        var status = await store.GetStatusAsync(harness.AccountId, "INBOX", None);
        Assert.Equal([uids[1]], limited);
        Assert.Equal([uids[0], uids[2]], rest);
        Assert.Equal([uids[3]], after.Messages.Select(m => m.Uid));
        Assert.Equal(1, status.MessageCount);
        Assert.Equal(after.Messages[0].Size, status.TotalSize);
        Assert.True(status.HighestModSeq > before.HighestModSeq);
        Assert.Equal(before.UidNext, status.UidNext);
        Assert.Empty(await store.ExpungeAsync(harness.AccountId, "INBOX", null, None));
    }

    [Fact]
    public async Task Quota_usage_sums_all_folders()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var first = MailboxTestHarness.Message("one", 100);
        var second = MailboxTestHarness.Message("two", 2000);
        long expected = first.Length + second.Length;

        await store.AppendAsync(harness.AccountId, "INBOX", first, MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        await store.AppendAsync(harness.AccountId, "Sent", second, MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);

        Assert.Equal(new QuotaUsage(expected, 2), await store.GetQuotaUsageAsync(harness.AccountId, None));
    }

    [Fact]
    public async Task Changes_since_a_modseq_are_only_the_rows_appended_or_changed_after_it()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var a = await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("a"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        var b = await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("b"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        var known = await store.GetSnapshotAsync(harness.AccountId, "INBOX", None);

        await store.StoreFlagsAsync(harness.AccountId, "INBOX", [a.Uid], FlagChangeMode.Add, MailboxTestHarness.Flags(SystemFlags.Seen), null, None);
        var c = await harness.NewStore().AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("c"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        var changes = await store.GetChangesAsync(harness.AccountId, "INBOX", known.Status.HighestModSeq, None);
        var none = await store.GetChangesAsync(harness.AccountId, "INBOX", changes.Status.HighestModSeq, None);

        Assert.Equal([a.Uid, c.Uid], changes.Changed.Select(m => m.Uid));
        Assert.True(changes.Changed[0].Flags.Has(SystemFlags.Seen));
        Assert.All(changes.Changed, m => Assert.True(m.ModSeq > known.Status.HighestModSeq));
        Assert.Equal(changes.Changed.Max(m => m.ModSeq), changes.Status.HighestModSeq);
        Assert.NotEqual(known.Status.ChangeToken, changes.Status.ChangeToken);
        Assert.Equal(3, changes.Status.MessageCount);
        Assert.Empty(none.Changed);
        Assert.DoesNotContain(b.Uid, changes.Changed.Select(m => m.Uid));
    }

    [Fact]
    public async Task Rows_carry_in_reply_to_and_references_for_threading_and_older_rows_read_as_having_none()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var text = "Message-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\nReferences: <a@x>\r\n <b@x>\r\nSubject: Re: t\r\n\r\nbody\r\n";
        var appended = await store.AppendAsync(harness.AccountId, "INBOX", new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text)), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);

        var headers = (await harness.NewStore().GetSnapshotAsync(harness.AccountId, "INBOX", None)).Messages.Single().Headers!;
        Assert.Equal("<b@x>", headers.InReplyTo?.Trim());
        Assert.Equal(["<a@x>", "<b@x>"], headers.References!.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        // A row captured before these fields were kept.
        var row = (await harness.RowsAsync()).Single(r => r.RowKey.StartsWith("M:", StringComparison.Ordinal));
        row.Remove("InReplyTo");
        row.Remove("References");
        await harness.Storage.MailboxIndex.UpdateEntityAsync(row, row.ETag, Azure.Data.Tables.TableUpdateMode.Replace);
        var older = (await harness.NewStore().GetSnapshotAsync(harness.AccountId, "INBOX", None)).Messages.Single();
        Assert.Equal(appended.Uid, older.Uid);
        Assert.Null(older.Headers!.InReplyTo);
        Assert.Null(older.Headers.References);
        Assert.Equal("<c@x>", older.Headers.MessageId?.Trim());
    }

    [Fact]
    public async Task Rows_carry_the_search_headers_and_the_blob_they_name_is_read_directly()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        var longSubject = new string('s', 5000);
        var text = $"From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.test>\r\nTo: b@example.test,\r\n c@example.test\r\nCc: d@example.test\r\nSubject: {longSubject}\r\nDate: Tue, 1 Dec 2026 08:00:00 +0000\r\nMessage-ID: <id-1@example.test>\r\n\r\nbody\r\n";
        await store.AppendAsync(harness.AccountId, "INBOX", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);

        var message = Assert.Single((await store.GetSnapshotAsync(harness.AccountId, "INBOX", None)).Messages);
        var headers = Assert.IsType<SearchHeaders>(message.Headers);
        Assert.Equal("Jürgen <j@example.test>", headers.From);
        Assert.Contains("c@example.test", headers.To);
        Assert.Equal("d@example.test", headers.Cc);
        Assert.Null(headers.Bcc);
        Assert.Equal("<id-1@example.test>", headers.MessageId?.Trim());
        Assert.Equal(4096, headers.Subject!.Length);
        Assert.True(headers.Truncated);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), await ReadAllAsync(await store.OpenMessageAsync(message, cancellationToken: None)));
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            return buffer.ToArray();
        }
    }
}
