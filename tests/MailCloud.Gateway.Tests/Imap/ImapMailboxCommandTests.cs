using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>Mailbox-level commands as the wire shows them: LIST-EXTENDED, LIST-STATUS, NAMESPACE, ENABLE, ID, UID EXPUNGE, IDLE.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapMailboxCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task List_extended_with_status_and_special_use()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();

        var specialUse = await client.CommandAsync("l1", "LIST (SPECIAL-USE) \"\" *");
        Assert.Contains("* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"", specialUse);
        Assert.DoesNotContain(specialUse, l => l.EndsWith("\"INBOX\"", StringComparison.Ordinal));

        var withStatus = await client.CommandAsync("l2", "LIST \"\" (INBOX Trash) RETURN (STATUS (MESSAGES UNSEEN UIDNEXT))");
        var inbox = withStatus.IndexOf("* LIST (\\HasNoChildren) \"/\" \"INBOX\"");
        Assert.True(inbox >= 0, string.Join(" | ", withStatus));
        Assert.Matches(@"^\* STATUS ""INBOX"" \(MESSAGES 1 UNSEEN 1 UIDNEXT \d+\)$", withStatus[inbox + 1]);
        Assert.Contains("* LIST (\\HasNoChildren \\Trash) \"/\" \"Trash\"", withStatus);

        Assert.Equal(["* LIST (\\Noselect) \"/\" \"\"", "l3 OK LIST completed"], await client.CommandAsync("l3", "LIST \"\" \"\""));
        Assert.Equal(["* NAMESPACE ((\"\" \"/\")) NIL ((\"#lists/\" \"/\"))", "n OK NAMESPACE completed"], await client.CommandAsync("n", "NAMESPACE"));
        Assert.StartsWith("* ID (", (await client.CommandAsync("i", "ID (\"name\" \"test\")"))[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enable_imap4rev2_switches_to_utf8_names_and_esearch()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        Assert.Equal("* ENABLED IMAP4rev2", (await client.CommandAsync("e", "ENABLE IMAP4rev2"))[0]);
        Assert.StartsWith("c OK", (await client.CommandAsync("c", "CREATE \"Entwürfe\""))[^1], StringComparison.Ordinal);
        Assert.Contains("* LIST (\\HasNoChildren) \"/\" \"Entwürfe\"", await client.CommandAsync("l", "LIST \"\" Entw*"));

        var select = await client.CommandAsync("s", "SELECT inbox");
        Assert.DoesNotContain(select, l => l.Contains("RECENT", StringComparison.Ordinal));
        Assert.Contains("* LIST () \"/\" \"INBOX\"", select);
        Assert.Equal("* ESEARCH (TAG \"q\") UID ALL 1", (await client.CommandAsync("q", "UID SEARCH UNSEEN"))[0]);
    }

    [Fact]
    public async Task Uid_expunge_removes_only_the_named_deleted_messages()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var first = await server.AppendAsync(TestMessages.Simple("one"), flags: Core.Mailboxes.SystemFlags.Deleted);
        await server.AppendAsync(TestMessages.Simple("two"), flags: Core.Mailboxes.SystemFlags.Deleted);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.Equal(["* 1 EXPUNGE", "x OK UID EXPUNGE completed"], await client.CommandAsync("x", $"UID EXPUNGE {first}"));
        Assert.Single((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages);
    }

    [Fact]
    public async Task Idle_reports_flag_changes_and_expunges_from_another_session()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var uid = await server.AppendAsync(TestMessages.Simple("one"));
        await server.AppendAsync(TestMessages.Simple("two"));
        await using var idler = await ImapRawClient.ConnectAsync(server.Port);
        await idler.LoginAsync();
        await idler.CommandAsync("s", "SELECT INBOX");
        await idler.SendAsync("i IDLE\r\n");
        Assert.Equal("+ idling", await idler.ReadLineAsync());

        await using var other = await ImapRawClient.ConnectAsync(server.Port);
        await other.LoginAsync();
        await other.CommandAsync("s", "SELECT INBOX");
        await other.CommandAsync("f", $"UID STORE {uid} +FLAGS.SILENT (\\Deleted)");
        Assert.Equal($"* 1 FETCH (UID {uid} FLAGS (\\Deleted \\Recent))", await idler.ReadLineAsync());
        await other.CommandAsync("x", "EXPUNGE");
        Assert.Equal("* 1 EXPUNGE", await idler.ReadLineAsync());

        await idler.SendAsync("DONE\r\n");
        Assert.Equal("i OK IDLE terminated", await idler.ReadLineAsync());
    }
}
