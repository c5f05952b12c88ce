using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>UID FETCH … (CHANGEDSINCE n VANISHED) (RFC 7162 §3.2.6) and its BAD cases, answered as Dovecot 2.3 answers them.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapQresyncFetchTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Uid_fetch_vanished_names_the_uids_of_the_set_expunged_since_then_the_changed_messages()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        for (var i = 1; i <= 6; i++)
        {
            await server.AppendAsync(TestMessages.Simple($"m{i}"));
        }

        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("e", "ENABLE QRESYNC");
        await client.CommandAsync("s", "SELECT INBOX");
        var since = (await server.Store.GetStatusAsync(server.AccountId, "INBOX", CancellationToken.None)).HighestModSeq;

        // Elsewhere: 3, 4 and the last message (6) expunged, 2 flagged.
        var other = server.CreateOtherStore();
        await other.StoreFlagsAsync(server.AccountId, "INBOX", [3, 4, 6], FlagChangeMode.Add, new MessageFlags(SystemFlags.Deleted, new HashSet<string>()), null, CancellationToken.None);
        await other.ExpungeAsync(server.AccountId, "INBOX", null, CancellationToken.None);
        var flagged = (await other.StoreFlagsAsync(server.AccountId, "INBOX", [2], FlagChangeMode.Add, new MessageFlags(SystemFlags.Flagged, new HashSet<string>()), null, CancellationToken.None)).Changed[0].ModSeq;
        await client.NoopUntilAsync(lines => lines.Contains("* VANISHED 3:4,6"));

        // "*" reaches the last UID ever given, so the expunged last message is named too (as Dovecot).
        // This IMAP4rev1 session's SELECT took the messages as \Recent (RFC 3501 §2.3.2).
        Assert.Equal(
            ["* VANISHED (EARLIER) 3:4,6", $"* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent) MODSEQ ({flagged}))", "f OK UID FETCH completed"],
            await client.CommandAsync("f", $"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {since} VANISHED)"));
        Assert.Equal(
            ["* VANISHED (EARLIER) 4", "g OK UID FETCH completed"],
            await client.CommandAsync("g", $"UID FETCH 4:5 (FLAGS) (VANISHED CHANGEDSINCE {since})"));
        Assert.Equal(["h OK UID FETCH completed"], await client.CommandAsync("h", $"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {flagged} VANISHED)"));
    }

    [Fact]
    public async Task Vanished_without_uid_changedsince_or_enable_is_bad()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "SELECT INBOX");

        Assert.Equal(["a BAD QRESYNC not enabled"], await client.CommandAsync("a", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)"));
        await client.CommandAsync("e", "ENABLE QRESYNC");
        Assert.Equal(["b BAD VANISHED is a UID FETCH modifier"], await client.CommandAsync("b", "FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)"));
        Assert.Equal(["c BAD VANISHED used without CHANGEDSINCE"], await client.CommandAsync("c", "UID FETCH 1:* (FLAGS) (VANISHED)"));
        Assert.Equal(["d BAD Unknown FETCH modifier"], await client.CommandAsync("d", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED VANISHED)"));
    }
}
