using MailCloud.Core.Mailboxes;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// QRESYNC (RFC 7162 §3.2) at SELECT and EXAMINE: ENABLE QRESYNC, the QRESYNC parameter with VANISHED
/// (EARLIER) and the FETCH of changed messages, known-uids, a UIDVALIDITY that no longer matches, the
/// BAD cases, CLOSED, and a MODSEQ older than the tombstones reach. Answers shaped as Dovecot 2.3 gives them.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapQresyncSelectTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Select_with_qresync_reports_what_vanished_and_changed_since_the_clients_modseq()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        for (var i = 1; i <= 5; i++)
        {
            await server.AppendAsync(TestMessages.Simple($"m{i}"));
        }

        var before = await server.Store.GetStatusAsync(server.AccountId, "INBOX", CancellationToken.None);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        Assert.Contains(" CONDSTORE QRESYNC ", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);
        Assert.Equal(["* ENABLED QRESYNC", "e OK ENABLE completed"], await client.CommandAsync("e", "ENABLE QRESYNC"));

        // Another session changes the folder: \Seen on 2, 3 and 4 expunged, \Flagged on 5.
        await using (var other = await ImapRawClient.ConnectAsync(server.Port))
        {
            await other.LoginAsync();
            await other.CommandAsync("s", "SELECT INBOX");
            await other.CommandAsync("f1", "STORE 2 +FLAGS (\\Seen)");
            await other.CommandAsync("f2", "STORE 3:4 +FLAGS (\\Deleted)");
            Assert.Equal(["* 3 EXPUNGE", "* 3 EXPUNGE", "x OK EXPUNGE completed"], await other.CommandAsync("x", "EXPUNGE"));
            await other.CommandAsync("f3", "STORE 3 +FLAGS (\\Flagged)");
        }

        var after = await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None);
        var seen = after.Messages.Single(m => m.Uid == 2).ModSeq;
        var flagged = after.Messages.Single(m => m.Uid == 5).ModSeq;
        var select = await client.CommandAsync("s", $"SELECT INBOX (QRESYNC ({before.UidValidity} {before.HighestModSeq}))");
        Assert.Contains("* 3 EXISTS", select);
        Assert.Contains($"* OK [HIGHESTMODSEQ {after.Status.HighestModSeq}] Highest", select);
        Assert.Equal(
            ["* VANISHED (EARLIER) 3:4", $"* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ ({seen}))", $"* 3 FETCH (UID 5 FLAGS (\\Flagged) MODSEQ ({flagged}))", "s OK [READ-WRITE] SELECT completed"],
            select[^4..]);

        // known-uids limit both the VANISHED and the FETCH responses (as Dovecot); a new SELECT closes the old mailbox first.
        var known = await client.CommandAsync("k", $"EXAMINE INBOX (QRESYNC ({before.UidValidity} {before.HighestModSeq} 1:3))");
        Assert.Equal("* OK [CLOSED] Previous mailbox closed", known[0]);
        Assert.Equal(["* VANISHED (EARLIER) 3", $"* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ ({seen}))", "k OK [READ-ONLY] EXAMINE completed"], known[^3..]);

        // seq-match-data is accepted, with or without known-uids.
        var matched = await client.CommandAsync("m", $"EXAMINE INBOX (QRESYNC ({before.UidValidity} {before.HighestModSeq} 4:5 (1:2 1:2)) CONDSTORE)");
        Assert.Equal(["* VANISHED (EARLIER) 4", $"* 3 FETCH (UID 5 FLAGS (\\Flagged) MODSEQ ({flagged}))", "m OK [READ-ONLY] EXAMINE completed"], matched[^3..]);

        // Another UIDVALIDITY: the client's UIDs mean nothing here, so the plain SELECT answer.
        var stale = await client.CommandAsync("v", $"SELECT INBOX (QRESYNC ({before.UidValidity + 1} {before.HighestModSeq} 1:5))");
        Assert.DoesNotContain(stale, l => l.StartsWith("* VANISHED", StringComparison.Ordinal) || l.Contains(" FETCH ", StringComparison.Ordinal));
        Assert.Equal("v OK [READ-WRITE] SELECT completed", stale[^1]);

        // Up to date: nothing to tell.
        var current = await client.CommandAsync("u", $"SELECT INBOX (QRESYNC ({before.UidValidity} {after.Status.HighestModSeq}))");
        Assert.Equal(["* OK [CLOSED] Previous mailbox closed", "u OK [READ-WRITE] SELECT completed"], [current[0], current[^1]]);
        Assert.DoesNotContain(current, l => l.StartsWith("* VANISHED", StringComparison.Ordinal) || l.Contains(" FETCH ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Qresync_parameter_errors_are_bad_and_leave_the_session_as_it_was()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();

        // RFC 7162 §3.2.5: QRESYNC without ENABLE QRESYNC is BAD; nothing gets selected.
        Assert.Equal(["s BAD QRESYNC not enabled"], await client.CommandAsync("s", "SELECT INBOX (QRESYNC (1 1))"));
        Assert.Equal(["f BAD FETCH is not valid in this state"], await client.CommandAsync("f", "FETCH 1 FLAGS"));

        await client.CommandAsync("e", "ENABLE QRESYNC");
        await client.CommandAsync("s1", "SELECT INBOX");
        Assert.Equal(["b1 BAD Invalid QRESYNC known-uids"], await client.CommandAsync("b1", "SELECT INBOX (QRESYNC (1 1 1:*))"));
        Assert.Equal(["b2 BAD Expected ' '"], await client.CommandAsync("b2", "SELECT INBOX (QRESYNC (1 1 1:2 (1:2)))"));
        Assert.Equal(["b3 BAD Expected a number"], await client.CommandAsync("b3", "SELECT INBOX (QRESYNC ())"));
        Assert.Equal(["b4 BAD Unknown SELECT parameter"], await client.CommandAsync("b4", "SELECT INBOX (QRESYNC (1 1) QRESYNC (1 1))"));

        // INBOX is still selected after the BADs.
        Assert.Equal(["* 1 FETCH (UID 1)", "f2 OK FETCH completed"], await client.CommandAsync("f2", "FETCH 1 UID"));
    }

    [Fact]
    public async Task A_modseq_older_than_the_tombstones_reach_gets_every_known_uid_that_is_gone()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, new Dictionary<string, string?> { ["Mailboxes:MaxTombstonesPerFolder"] = "1" });
        for (var i = 1; i <= 5; i++)
        {
            await server.AppendAsync(TestMessages.Simple($"m{i}"), flags: SystemFlags.Deleted);
        }

        var marks = new List<ulong> { (await server.Store.GetStatusAsync(server.AccountId, "INBOX", CancellationToken.None)).HighestModSeq };
        foreach (var uid in new uint[] { 2, 3, 4 })
        {
            await server.Store.ExpungeAsync(server.AccountId, "INBOX", [uid], CancellationToken.None);
            marks.Add((await server.Store.GetStatusAsync(server.AccountId, "INBOX", CancellationToken.None)).HighestModSeq);
        }

        var validity = (await server.Store.GetStatusAsync(server.AccountId, "INBOX", CancellationToken.None)).UidValidity;
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("e", "ENABLE QRESYNC");

        // Only the last expunge's tombstone is kept: from the mark before it the answer is exact.
        var exact = await client.CommandAsync("a", $"EXAMINE INBOX (QRESYNC ({validity} {marks[2]}))");
        Assert.Equal(["* VANISHED (EARLIER) 4", "a OK [READ-ONLY] EXAMINE completed"], exact[^2..]);

        // From before it, the UIDs the client may know that no longer exist (RFC 7162 §3.2.5.2), even those gone before its MODSEQ.
        var compared = await client.CommandAsync("b", $"EXAMINE INBOX (QRESYNC ({validity} {marks[1]}))");
        Assert.Equal(["* VANISHED (EARLIER) 2:4", "b OK [READ-ONLY] EXAMINE completed"], compared[^2..]);
        var limited = await client.CommandAsync("c", $"EXAMINE INBOX (QRESYNC ({validity} {marks[0]} 1:3,5:4294967295))");
        Assert.Equal(["* VANISHED (EARLIER) 2:3", "c OK [READ-ONLY] EXAMINE completed"], limited[^2..]);
    }

    [Fact]
    public async Task MailKit_resynchronises_with_qresync()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        for (var i = 1; i <= 4; i++)
        {
            await server.AppendAsync(TestMessages.Simple($"m{i}"));
        }

        using var client = await server.ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.QuickResync));
        await client.EnableQuickResyncAsync();
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var validity = inbox.UidValidity;
        var modSeq = inbox.HighestModSeq;
        var known = (await inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId)).Select(m => m.UniqueId).ToList();
        await inbox.CloseAsync();

        await server.Store.StoreFlagsAsync(server.AccountId, "INBOX", [1, 3], FlagChangeMode.Add, new Core.Mailboxes.MessageFlags(SystemFlags.Deleted, new HashSet<string>()), null, CancellationToken.None);
        await server.Store.ExpungeAsync(server.AccountId, "INBOX", null, CancellationToken.None);
        await server.Store.StoreFlagsAsync(server.AccountId, "INBOX", [4], FlagChangeMode.Add, new Core.Mailboxes.MessageFlags(SystemFlags.Flagged, new HashSet<string>()), null, CancellationToken.None);

        var vanished = new List<(UniqueId Uid, bool Earlier)>();
        var changed = new List<(UniqueId? Uid, MailKit.MessageFlags Flags)>();
        inbox.MessagesVanished += (_, e) => vanished.AddRange(e.UniqueIds.Select(u => (u, e.Earlier)));
        inbox.MessageFlagsChanged += (_, e) => changed.Add((e.UniqueId, e.Flags));
        await inbox.OpenAsync(FolderAccess.ReadWrite, validity, modSeq, known);

        Assert.Equal([(new UniqueId(validity, 1), true), (new UniqueId(validity, 3), true)], vanished);
        Assert.Equal([(new UniqueId(validity, 4), MailKit.MessageFlags.Flagged)], changed);
        Assert.Equal(2, inbox.Count);

        // Expunged here with QRESYNC on: MailKit hears VANISHED, not EXPUNGE.
        vanished.Clear();
        await inbox.AddFlagsAsync(new UniqueId(validity, 2), MailKit.MessageFlags.Deleted, silent: true);
        await inbox.ExpungeAsync();
        Assert.Equal([(new UniqueId(validity, 2), false)], vanished);
        Assert.Equal(1, inbox.Count);
    }
}
