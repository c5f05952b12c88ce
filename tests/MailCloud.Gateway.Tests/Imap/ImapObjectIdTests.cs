using System.Text.RegularExpressions;
using MailCloud.Testing;
using MailKit;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>OBJECTID (RFC 8474): MAILBOXID in CREATE, SELECT, STATUS and LIST-STATUS; EMAILID and THREADID in FETCH and SEARCH.</summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class ImapObjectIdTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Mailboxid_is_given_by_create_and_kept_by_rename_but_not_by_a_new_folder_of_the_same_name()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        Assert.Contains(" OBJECTID", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);

        var created = MailboxIdCode().Match(Assert.Single(await client.CommandAsync("c1", "CREATE Projects")));
        Assert.True(created.Success);
        var id = created.Groups[1].Value;
        Assert.Equal([$"* STATUS \"Projects\" (MAILBOXID ({id}) MESSAGES 0)", "s OK STATUS completed"], await client.CommandAsync("s", "STATUS Projects (MAILBOXID MESSAGES)"));

        // RFC 8474 §4.2: RENAME keeps the MAILBOXID.
        await client.CommandAsync("r", "RENAME Projects Work");
        Assert.Equal(
            ["* LIST (\\HasNoChildren) \"/\" \"Work\"", $"* STATUS \"Work\" (MAILBOXID ({id}))", "l OK LIST completed"],
            await client.CommandAsync("l", "LIST \"\" Work RETURN (STATUS (MAILBOXID))"));
        var select = await client.CommandAsync("sel", "SELECT Work");
        Assert.Contains($"* OK [MAILBOXID ({id})] Ok", select);
        await client.CommandAsync("u", "UNSELECT");

        // A folder created again under an old name is another mailbox.
        await client.CommandAsync("d", "DELETE Work");
        var again = MailboxIdCode().Match(Assert.Single(await client.CommandAsync("c2", "CREATE Work"))).Groups[1].Value;
        Assert.NotEqual(id, again);
        Assert.Matches("^F[0-9a-f]{32}$", again);

        var inbox = Assert.Single(await client.CommandAsync("s2", "STATUS INBOX (MAILBOXID)"), l => l.StartsWith("* STATUS", StringComparison.Ordinal));
        Assert.DoesNotContain(id, inbox, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Emailid_is_stable_across_sessions_and_move_and_threadid_is_nil()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await server.AppendAsync(TestMessages.Simple("two"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "SELECT INBOX");
        var fetch = await client.CommandAsync("f", "FETCH 1:2 (EMAILID THREADID)");
        Assert.Equal(3, fetch.Count);
        var first = FetchedEmailId().Match(fetch[0]);
        var second = FetchedEmailId().Match(fetch[1]);
        Assert.True(first.Success && second.Success, string.Join(" | ", fetch));
        Assert.Equal($"* 1 FETCH (EMAILID ({first.Groups[1].Value}) THREADID NIL)", fetch[0]);
        Assert.NotEqual(first.Groups[1].Value, second.Groups[1].Value);
        var emailId = first.Groups[1].Value;

        // RFC 8474 §6: SEARCH EMAILID and THREADID.
        Assert.Equal(["* SEARCH 1", "q OK SEARCH completed"], await client.CommandAsync("q", $"SEARCH EMAILID {emailId}"));
        Assert.Equal(["* SEARCH", "q2 OK SEARCH completed"], await client.CommandAsync("q2", "SEARCH THREADID T1"));

        // MOVE keeps the bytes and so the EMAILID; COPY makes a new blob and a new one (§5.1 allows both).
        await client.CommandAsync("c", "COPY 1 Archive");
        await client.CommandAsync("m", "MOVE 1 Archive");
        await using var other = await ImapRawClient.ConnectAsync(server.Port);
        await other.LoginAsync();
        await other.CommandAsync("s", "SELECT Archive");
        var archived = await other.CommandAsync("f", "UID FETCH 1:* (EMAILID)");
        Assert.Equal(3, archived.Count);
        Assert.DoesNotContain(emailId, archived[0], StringComparison.Ordinal);
        Assert.Equal("* 2 FETCH (UID 2 EMAILID (" + emailId + "))", archived[1]);
    }

    [Fact]
    public async Task MailKit_reads_mailbox_and_email_ids()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        using var client = await server.ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.ObjectID));

        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Matches("^F[0-9a-f]{32}$", client.Inbox.Id);
        var summary = Assert.Single(await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.EmailId | MessageSummaryItems.ThreadId));
        Assert.Matches("^M[0-9a-f]{24}$", summary.EmailId);
        Assert.Null(summary.ThreadId);
        await client.DisconnectAsync(true);
    }

    [GeneratedRegex(@"^c\d OK \[MAILBOXID \((F[0-9a-f]+)\)\] CREATE completed$")]
    private static partial Regex MailboxIdCode();

    [GeneratedRegex(@"EMAILID \((M[0-9a-f]{24})\)")]
    private static partial Regex FetchedEmailId();
}
