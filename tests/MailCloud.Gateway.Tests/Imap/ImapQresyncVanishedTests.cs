using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// Once QRESYNC is enabled, VANISHED replaces EXPUNGE (RFC 7162 §3.2.10) for this session's EXPUNGE,
/// UID EXPUNGE and MOVE and for expunges made elsewhere (another session's CLOSE, POP3), and the tagged
/// OK of an expunge names the HIGHESTMODSEQ (§3.2.4), as Dovecot 2.3 answers.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapQresyncVanishedTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Expunge_uid_expunge_and_move_report_vanished_with_the_highest_modseq()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        for (var i = 1; i <= 5; i++)
        {
            await server.AppendAsync(TestMessages.Simple($"m{i}"), flags: i <= 3 ? SystemFlags.Deleted : SystemFlags.None);
        }

        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("e", "ENABLE QRESYNC");
        await client.CommandAsync("s", "SELECT INBOX");

        var expunged = await client.CommandAsync("x", "UID EXPUNGE 2:3");
        var status = await server.Store.GetStatusAsync(server.AccountId, "INBOX", CancellationToken.None);
        Assert.Equal(["* VANISHED 2:3", $"x OK [HIGHESTMODSEQ {status.HighestModSeq}] UID EXPUNGE completed"], expunged);
        expunged = await client.CommandAsync("y", "EXPUNGE");
        status = await server.Store.GetStatusAsync(server.AccountId, "INBOX", CancellationToken.None);
        Assert.Equal(["* VANISHED 1", $"y OK [HIGHESTMODSEQ {status.HighestModSeq}] EXPUNGE completed"], expunged);

        // Nothing to expunge: no VANISHED, no HIGHESTMODSEQ (as Dovecot).
        Assert.Equal(["z OK EXPUNGE completed"], await client.CommandAsync("z", "EXPUNGE"));

        var moved = await client.CommandAsync("m", "UID MOVE 5 Archive");
        Assert.Equal("* VANISHED 5", moved[^2]);
        Assert.DoesNotContain(moved, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        Assert.Equal(["* 1 FETCH (UID 4)", "f OK FETCH completed"], await client.CommandAsync("f", "FETCH 1:* (UID)"));
    }

    [Fact]
    public async Task Expunges_made_elsewhere_arrive_as_vanished_and_only_in_qresync_sessions()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        for (var i = 1; i <= 4; i++)
        {
            await server.AppendAsync(TestMessages.Simple($"m{i}"));
        }

        await using var qresync = await ImapRawClient.ConnectAsync(server.Port);
        await using var plain = await ImapRawClient.ConnectAsync(server.Port);
        await using var closer = await ImapRawClient.ConnectAsync(server.Port);
        foreach (var client in new[] { qresync, plain, closer })
        {
            await client.LoginAsync();
        }

        await qresync.CommandAsync("e", "ENABLE QRESYNC");
        await qresync.CommandAsync("s", "SELECT INBOX");
        await plain.CommandAsync("s", "SELECT INBOX");

        // Another session's CLOSE (RFC 3501 §7.4.1): each session hears of it in its own form.
        await closer.CommandAsync("s", "SELECT INBOX");
        await closer.CommandAsync("d", "STORE 2:3 +FLAGS.SILENT (\\Deleted)");
        await closer.CommandAsync("c", "CLOSE");
        Assert.Contains("* VANISHED 2:3", await qresync.NoopUntilAsync(lines => lines.Contains("* VANISHED 2:3")));
        var expunges = await plain.NoopUntilAsync(lines => lines.Count(l => l == "* 2 EXPUNGE") == 2);
        Assert.Equal(2, expunges.Count(l => l == "* 2 EXPUNGE"));

        // POP3's QUIT, or any other process, removes rows through the same store: the same report.
        await server.CreateOtherStore().StoreFlagsAsync(server.AccountId, "INBOX", [4], FlagChangeMode.Add, new MessageFlags(SystemFlags.Deleted, new HashSet<string>()), null, CancellationToken.None);
        await server.CreateOtherStore().ExpungeAsync(server.AccountId, "INBOX", [4], CancellationToken.None);
        var lines = await qresync.NoopUntilAsync(lines => lines.Contains("* VANISHED 4"));
        Assert.DoesNotContain(lines, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        Assert.Equal(["* 1 FETCH (UID 1)", "f OK FETCH completed"], await qresync.CommandAsync("f", "FETCH 1:* (UID)"));
    }
}
