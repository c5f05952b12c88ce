using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>FETCH sections byte for byte; the expected answers are what Dovecot 2.3 gives for the same message.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapFetchSectionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Sections_partials_and_binary_sizes_match_dovecot()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Multipart);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "EXAMINE INBOX");

        Assert.Equal(
            ["* 1 FETCH (BODY[1.1] {48}", "Gr=C3=BC=C3=9Fe aus M=C3=BCnchen.", "Zweite Zeile.)", "f1 OK FETCH completed"],
            await client.CommandAsync("f1", "FETCH 1 BODY.PEEK[1.1]"));
        Assert.Equal(
            ["* 1 FETCH (BODY[1.MIME] {57}", "Content-Type: multipart/alternative; boundary=\"inner\"", "", ")", "f2 OK FETCH completed"],
            await client.CommandAsync("f2", "FETCH 1 BODY.PEEK[1.MIME]"));
        Assert.Equal(
            ["* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT TO)] {118}", "To: Bob <bob@example.com>, team: ann@example.com, carl@example.com;", "Subject: =?UTF-8?B?UHLDvGZ1bmcgZMOpasOgIHZ1?=", "", ")", "f3 OK FETCH completed"],
            await client.CommandAsync("f3", "FETCH 1 BODY.PEEK[HEADER.FIELDS (subject to)]"));
        Assert.Equal(
            ["* 1 FETCH (BINARY.SIZE[2] 19)", "f4 OK FETCH completed"],
            await client.CommandAsync("f4", "FETCH 1 BINARY.SIZE[2]"));
        Assert.Equal(
            ["* 1 FETCH (UID 1 BODY[]<6> {5}", "Tue, )", "f5 OK UID FETCH completed"],
            await client.CommandAsync("f5", "UID FETCH 1 BODY.PEEK[]<6.5>"));
    }

    [Fact]
    public async Task Body_without_peek_sets_seen_but_not_in_a_read_only_mailbox()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("read me", "Body."));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();

        await client.CommandAsync("e", "EXAMINE INBOX");
        Assert.Equal(["* 1 FETCH (BODY[TEXT] {7}", "Body.", ")", "f1 OK FETCH completed"], await client.CommandAsync("f1", "FETCH 1 BODY[TEXT]"));
        Assert.False((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages[0].Flags.Has(SystemFlags.Seen));

        await client.CommandAsync("s", "SELECT INBOX");
        var response = await client.CommandAsync("f2", "FETCH 1 BODY[TEXT]");
        Assert.Equal("* 1 FETCH (FLAGS (\\Seen \\Recent) BODY[TEXT] {7}", response[0]);
        Assert.True((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages[0].Flags.Has(SystemFlags.Seen));
    }

    [Fact]
    public async Task Condstore_reports_modseq_and_refuses_a_stale_store()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await server.AppendAsync(TestMessages.Simple("two"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var select = await client.CommandAsync("s", "SELECT INBOX (CONDSTORE)");
        Assert.Contains(select, l => l.StartsWith("* OK [HIGHESTMODSEQ ", StringComparison.Ordinal));

        var fetched = await client.CommandAsync("f", "FETCH 1:2 (MODSEQ)");
        var modSeq = fetched.SkipLast(1).Max(line => ulong.Parse(System.Text.RegularExpressions.Regex.Match(line, @"MODSEQ \((\d+)\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

        var stored = await client.CommandAsync("t1", "STORE 1 +FLAGS (\\Flagged)");
        Assert.Matches(@"^\* 1 FETCH \(UID \d+ FLAGS \(\\Flagged \\Recent\) MODSEQ \(\d+\)\)$", stored[0]);

        var stale = await client.CommandAsync("t2", $"STORE 1 (UNCHANGEDSINCE {modSeq}) +FLAGS (\\Seen)");
        Assert.Equal("t2 OK [MODIFIED 1] Some messages were modified since", stale[^1]);
        Assert.False((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages[0].Flags.Has(SystemFlags.Seen));

        var changed = await client.CommandAsync("c", $"FETCH 1:* (FLAGS) (CHANGEDSINCE {modSeq})");
        Assert.Equal(2, changed.Count);
        Assert.StartsWith("* 1 FETCH", changed[0], StringComparison.Ordinal);

        var search = await client.CommandAsync("q", "SEARCH RETURN (MIN MAX COUNT) ALL");
        Assert.Equal("* ESEARCH (TAG \"q\") MIN 1 MAX 2 COUNT 2", search[0]);
    }
}
