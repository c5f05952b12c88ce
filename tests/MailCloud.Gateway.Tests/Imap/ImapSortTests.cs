using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit;
using MailKit.Search;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// SORT (RFC 5256), SORT=DISPLAY (RFC 5957) and ESORT (RFC 5267) over a socket. The expected orders
/// are Dovecot 2.3's answers for the same six messages with the same internal dates, except where
/// Dovecot compares with i;unicode-casemap: here "Émile" sorts after the ASCII names, by the
/// i;ascii-casemap RFC 5256 §3 names (Dovecot: 6 2 3 4 5 1).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapSortTests(AzuriteFixture azurite)
{
    internal static readonly (string InternalDate, string Message)[] Messages =
    [
        ("11-Mar-2026 12:00:00 +0000", "From: Zed <zed@x.test>\r\nTo: bob@x.test\r\nCc: Carl <carl@x.test>\r\nSubject: Re: [list] Fwd: hello (fwd)\r\nDate: Wed, 11 Mar 2026 10:00:00 +0000\r\n\r\nbody one\r\n"),
        ("11-Mar-2026 09:00:00 +0000", "From: anna@x.test\r\nTo: Alice <zoe@x.test>\r\nSubject: hello\r\nDate: Tue, 10 Mar 2026 23:00:00 -0500\r\n\r\nbody two, a little longer\r\n"),
        ("11-Mar-2026 08:00:00 +0000", "From: \"Bob\" <bob@x.test>\r\nTo: amy@x.test\r\nCc: dave@x.test\r\nSubject: [Fwd: Hello]\r\n\r\nb3\r\n"),
        ("11-Mar-2026 11:00:00 +0000", "From: =?UTF-8?Q?=C3=89mile?= <emile@x.test>\r\nTo: Zara <aaron@x.test>\r\nSubject: Re: re: RE: zebra\r\nDate: garbage\r\n\r\nbody four is the longest of them all\r\n"),
        ("11-Mar-2026 10:00:00 +0000", "From: Mark <Mark@x.test>\r\nTo: \"Mo\" <mo@x.test>\r\nCc: Abe <abe@x.test>\r\nSubject: [a][b] Re: apple\r\nDate: Mon, 09 Mar 2026 10:00:00 +0100\r\n\r\nbody five\r\n"),
        ("11-Mar-2026 07:00:00 +0000", "To: bob@x.test\r\nSubject: [only blob]\r\nDate: Thu, 12 Mar 2026 01:00:00 +0000\r\n\r\nsix\r\n"),
    ];

    private static readonly (string Command, string Expected)[] DovecotAnswers =
    [
        ("SORT (SUBJECT) UTF-8 ALL", "* SORT 5 1 2 3 4 6"),
        ("SORT (FROM) UTF-8 ALL", "* SORT 6 2 3 4 5 1"),
        ("SORT (TO) UTF-8 ALL", "* SORT 4 3 1 6 5 2"),
        ("SORT (CC) UTF-8 ALL", "* SORT 2 4 6 5 1 3"),
        ("SORT (DATE) UTF-8 ALL", "* SORT 5 2 3 1 4 6"),
        ("SORT (ARRIVAL) UTF-8 ALL", "* SORT 6 3 2 5 4 1"),
        ("SORT (SIZE) UTF-8 ALL", "* SORT 6 3 2 5 1 4"),
        ("SORT (REVERSE SIZE) UTF-8 ALL", "* SORT 1 4 5 2 3 6"),
        ("SORT (DISPLAYFROM) UTF-8 ALL", "* SORT 6 2 3 5 1 4"),
        ("SORT (DISPLAYTO) UTF-8 ALL", "* SORT 2 3 1 6 5 4"),
        ("SORT (REVERSE DATE) UTF-8 ALL", "* SORT 6 4 1 3 2 5"),
        ("SORT (SUBJECT REVERSE ARRIVAL) US-ASCII ALL", "* SORT 5 1 2 3 4 6"),
        ("SORT (SUBJECT) UTF-8 FROM x.test", "* SORT 5 1 2 3 4"),
        ("SORT (SIZE) UTF-8 SUBJECT nomatch", "* SORT"),

        // RFC 5267 §4.2: MIN and MAX are first and last in sort order; ALL keeps the order.
        ("SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL", "* ESEARCH (TAG \"t\") MIN 5 MAX 6 COUNT 6 ALL 5,1:4,6"),
        ("UID SORT RETURN () (REVERSE ARRIVAL) UTF-8 2:5", "* ESEARCH (TAG \"t\") UID ALL 4:5,2:3"),
        ("SORT RETURN (COUNT) (SIZE) UTF-8 SUBJECT nomatch", "* ESEARCH (TAG \"t\") COUNT 0"),
    ];

    /// <summary>A session on INBOX holding <see cref="Messages"/>, appended over IMAP with their internal dates.</summary>
    internal static async Task<ImapRawClient> ConnectWithMessagesAsync(ImapTestServer server)
    {
        var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        foreach (var (date, message) in Messages)
        {
            await client.SendAsync($"a APPEND INBOX \"{date}\" {{{message.Length}+}}\r\n{message}\r\n");
            Assert.StartsWith("a OK", Assert.Single(await client.ReadUntilTaggedAsync("a")), StringComparison.Ordinal);
        }

        await client.CommandAsync("s", "SELECT INBOX");
        return client;
    }

    [Fact]
    public async Task Sort_answers_as_dovecot_does_from_the_index_alone()
    {
        CallCounter<IMailboxStore>? calls = null;
        await using var server = await ImapTestServer.StartAsync(azurite, configureServices: s => s.AddSingleton(sp =>
        {
            (var store, calls) = CallCounter<IMailboxStore>.Wrap(ActivatorUtilities.CreateInstance<TableMailboxStore>(sp));
            return store;
        }));
        await using var client = await ConnectWithMessagesAsync(server);
        var capabilities = (await client.CommandAsync("c", "CAPABILITY"))[0];
        Assert.Contains(" SORT SORT=DISPLAY ESORT", capabilities, StringComparison.Ordinal);

        foreach (var (command, expected) in DovecotAnswers)
        {
            var opened = calls!["OpenMessageAsync"];
            Assert.Equal([expected, "t OK " + (command.StartsWith("UID", StringComparison.Ordinal) ? "UID " : "") + "SORT completed"], await client.CommandAsync("t", command));

            // Sorting reads no message: every sort key comes from the index rows (a search by FROM or SUBJECT reads headers, as SEARCH does).
            if (command.EndsWith(" ALL", StringComparison.Ordinal) || command.EndsWith(" 2:5", StringComparison.Ordinal))
            {
                Assert.Equal(opened, calls["OpenMessageAsync"]);
            }
        }
    }

    [Fact]
    public async Task Sort_refuses_what_it_does_not_know()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ConnectWithMessagesAsync(server);
        Assert.Equal(["t1 BAD Unknown sort key FOO"], await client.CommandAsync("t1", "SORT (FOO) UTF-8 ALL"));
        Assert.Equal(["t2 NO [BADCHARSET (UTF-8 US-ASCII)] Charset KOI8-R is not supported"], await client.CommandAsync("t2", "SORT (SIZE) KOI8-R ALL"));
        Assert.Equal(["t3 BAD Expected ' '"], await client.CommandAsync("t3", "SORT (SIZE) UTF-8"));
        Assert.Equal(["t4 BAD Expected '('"], await client.CommandAsync("t4", "SORT SIZE UTF-8 ALL"));
        await client.CommandAsync("u", "UNSELECT");
        Assert.Equal(["t5 BAD SORT is not valid in this state"], await client.CommandAsync("t5", "SORT (SIZE) UTF-8 ALL"));
    }

    [Fact]
    public async Task MailKit_sorts_on_the_server()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await (await ConnectWithMessagesAsync(server)).DisposeAsync();
        using var client = await server.ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.Sort));
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);

        var bySubject = await client.Inbox.SortAsync(SearchQuery.All, [OrderBy.Subject]);
        Assert.Equal([5u, 1, 2, 3, 4, 6], bySubject.Select(u => u.Id));
        var byDisplayFrom = await client.Inbox.SortAsync(SearchQuery.All, [OrderBy.DisplayFrom]);
        Assert.Equal([6u, 2, 3, 5, 1, 4], byDisplayFrom.Select(u => u.Id));
        var newestFirst = await client.Inbox.SortAsync(SearchQuery.All, [OrderBy.ReverseArrival]);
        Assert.Equal([1u, 4, 5, 2, 3, 6], newestFirst.Select(u => u.Id));

        // ESORT: MailKit asks SORT RETURN (...).
        var results = await client.Inbox.SortAsync(SearchOptions.Min | SearchOptions.Max | SearchOptions.Count, SearchQuery.All, [OrderBy.Subject]);
        Assert.Equal(6, results.Count);
        Assert.Equal(5u, results.Min?.Id);
        Assert.Equal(6u, results.Max?.Id);
        await client.DisconnectAsync(true);
    }
}
