using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Mailboxes;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// A list's archive over IMAP: shown as #lists/&lt;list&gt; in the shared namespace (RFC 2342) to its members
/// and owners, read-only (RFC 9051 §7.1 READ-ONLY, NOPERM), invisible to everyone else (NONEXISTENT).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapListArchiveTests(AzuriteFixture azurite)
{
    private const string List = "dev@example.test";
    private const string Archive = "#lists/dev@example.test";
    private const string Bob = "bob@example.test";
    private const string Post = "From: carol@remote.test\r\nTo: dev@example.test\r\nSubject: Archived post\r\nMessage-ID: <p1@remote.test>\r\n\r\nHello list.\r\n";

    [Fact]
    public async Task A_member_sees_the_archive_in_namespace_list_lsub_and_status()
    {
        await using var server = await StartWithArchiveAsync();
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();

        Assert.Equal(["* NAMESPACE ((\"\" \"/\")) NIL ((\"#lists/\" \"/\"))", "n OK NAMESPACE completed"], await client.CommandAsync("n", "NAMESPACE"));
        var all = await client.CommandAsync("a", "LIST \"\" *");
        Assert.Contains("* LIST (\\Noselect \\HasChildren) \"/\" \"#lists\"", all);
        Assert.Contains($"* LIST (\\HasNoChildren) \"/\" \"{Archive}\"", all);
        Assert.Equal([$"* LIST (\\HasNoChildren \\Subscribed) \"/\" \"{Archive}\"", "b OK LIST completed"], await client.CommandAsync("b", "LIST (SUBSCRIBED) \"\" #lists/%"));
        var top = await client.CommandAsync("c", "LIST \"\" %");
        Assert.Equal(["* LIST (\\Noselect \\HasChildren) \"/\" \"#lists\""], top.Where(l => l.Contains("#lists", StringComparison.Ordinal)));
        Assert.Equal([$"* LSUB () \"/\" \"{Archive}\"", "l OK LSUB completed"], await client.CommandAsync("l", "LSUB \"\" #lists/*"));
        Assert.Equal([$"* STATUS \"{Archive}\" (MESSAGES 1 UNSEEN 1)", "s OK STATUS completed"], await client.CommandAsync("s", $"STATUS {Archive} (MESSAGES UNSEEN)"));
        Assert.Equal(["u OK SUBSCRIBE completed"], await client.CommandAsync("u", $"SUBSCRIBE {Archive}"));
        Assert.StartsWith("v NO [CANNOT]", (await client.CommandAsync("v", $"UNSUBSCRIBE {Archive}"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_archive_opens_read_only_and_refuses_every_change_but_copies_into_the_users_folders()
    {
        await using var server = await StartWithArchiveAsync();
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();

        // SELECT opens it read-only as EXAMINE does: the flags are everyone's.
        var select = await client.CommandAsync("s", $"SELECT {Archive}");
        Assert.Contains("* 1 EXISTS", select);
        Assert.Equal("s OK [READ-ONLY] SELECT completed", select[^1]);

        var fetch = await client.CommandAsync("f", "FETCH 1 (BODY[] FLAGS)");
        Assert.Contains(fetch, l => l.Contains("Subject: Archived post", StringComparison.Ordinal));
        Assert.DoesNotContain(fetch, l => l.Contains("\\Seen", StringComparison.Ordinal));
        Assert.Equal("f OK FETCH completed", fetch[^1]);
        Assert.Contains("* SEARCH 1", await client.CommandAsync("q", "SEARCH SUBJECT \"Archived\""));
        Assert.Contains(await client.CommandAsync("g", "UID FETCH 1:* (UID)"), l => l.StartsWith("* 1 FETCH (UID ", StringComparison.Ordinal));

        Assert.StartsWith("t NO [READ-ONLY]", (await client.CommandAsync("t", "STORE 1 +FLAGS (\\Seen \\Deleted)"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("e NO [READ-ONLY]", (await client.CommandAsync("e", "EXPUNGE"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("m NO [READ-ONLY]", (await client.CommandAsync("m", "MOVE 1 INBOX"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("c NO [NOPERM]", (await client.CommandAsync("c", $"COPY 1 {Archive}"))[^1], StringComparison.Ordinal);

        // COPY out of it puts the post in the user's own INBOX, charged to the user.
        Assert.StartsWith("k OK [COPYUID ", (await client.CommandAsync("k", "COPY 1 INBOX"))[^1], StringComparison.Ordinal);
        var inbox = await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None);
        Assert.Single(inbox.Messages);

        Assert.StartsWith("a NO [NOPERM]", (await client.CommandAsync("a", $"APPEND {Archive} {{5+}}\r\nhello"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("d NO [NOPERM]", (await client.CommandAsync("d", $"DELETE {Archive}"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("r NO [NOPERM]", (await client.CommandAsync("r", $"RENAME {Archive} Mine"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("r2 NO [NOPERM]", (await client.CommandAsync("r2", $"RENAME INBOX {Archive}/x"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("x NO [NOPERM]", (await client.CommandAsync("x", $"CREATE {Archive}/sub"))[^1], StringComparison.Ordinal);
        Assert.Equal("z OK CLOSE completed", (await client.CommandAsync("z", "CLOSE"))[^1]);

        // Nothing the session did wrote to the archive: one message, no flags.
        var archive = await server.Store.GetSnapshotAsync(ListArchive.AccountIdFor(List), ListArchive.Folder, CancellationToken.None);
        Assert.Equal(SystemFlags.None, Assert.Single(archive.Messages).Flags.System);
    }

    [Fact]
    public async Task A_non_member_neither_sees_nor_opens_the_archive()
    {
        await using var server = await StartWithArchiveAsync();
        await server.Host.Services.GetRequiredService<IMailDirectory>().AddAccountAsync(Bob, ImapTestServer.Password, null, null, CancellationToken.None);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        Assert.StartsWith("L OK", (await client.CommandAsync("L", $"LOGIN {Bob} \"{ImapTestServer.Password}\""))[^1], StringComparison.Ordinal);

        Assert.DoesNotContain(await client.CommandAsync("a", "LIST \"\" *"), l => l.Contains("#lists", StringComparison.Ordinal));
        Assert.Equal(["l OK LSUB completed"], await client.CommandAsync("l", "LSUB \"\" #lists/*"));
        Assert.StartsWith("s NO [NONEXISTENT]", (await client.CommandAsync("s", $"SELECT {Archive}"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("e NO [NONEXISTENT]", (await client.CommandAsync("e", $"EXAMINE {Archive}"))[^1], StringComparison.Ordinal);
        Assert.StartsWith("t NO [NONEXISTENT]", (await client.CommandAsync("t", $"STATUS {Archive} (MESSAGES)"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_owner_who_is_no_member_reads_it_and_it_goes_when_the_archive_is_turned_off()
    {
        await using var server = await StartWithArchiveAsync(members: ["carol@remote.test"], owners: [ImapTestServer.User]);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        Assert.Equal("e OK [READ-ONLY] EXAMINE completed", (await client.CommandAsync("e", $"EXAMINE {Archive}"))[^1]);
        Assert.Equal("u OK UNSELECT completed", (await client.CommandAsync("u", "UNSELECT"))[^1]);

        await server.Host.Services.GetRequiredService<IMailDirectory>().UpdateListAsync(List, l => l with { Settings = l.Settings with { Archive = false } }, CancellationToken.None);
        Assert.StartsWith("s NO [NONEXISTENT]", (await client.CommandAsync("s", $"STATUS {Archive} (MESSAGES)"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_by_an_alias_of_the_account_reads_it()
    {
        await using var server = await StartWithArchiveAsync(members: ["al@example.test"], beforeList: d => d.AddAliasAsync("al@example.test", [ImapTestServer.User], CancellationToken.None));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        Assert.Equal("e OK [READ-ONLY] EXAMINE completed", (await client.CommandAsync("e", $"EXAMINE {Archive}"))[^1]);
    }

    /// <summary>The IMAP server with a list (alice a member unless told otherwise; <paramref name="beforeList"/> adds what its members need) whose archive is on and holds one post.</summary>
    private async Task<ImapTestServer> StartWithArchiveAsync(IReadOnlyList<string>? members = null, IReadOnlyList<string>? owners = null, Func<IMailDirectory, Task>? beforeList = null)
    {
        var server = await ImapTestServer.StartAsync(azurite);
        var directory = server.Host.Services.GetRequiredService<IMailDirectory>();
        if (beforeList is not null)
        {
            await beforeList(directory);
        }

        await directory.AddListAsync(List, members ?? [ImapTestServer.User], PostingPolicy.Anyone, [], CancellationToken.None);
        await directory.UpdateListAsync(List, l => l with { Owners = owners ?? [], Settings = l.Settings with { Archive = true } }, CancellationToken.None);
        await using var content = TestMessages.Stream(Post);
        await server.Store.AppendAsync(ListArchive.AccountIdFor(List), ListArchive.Folder, content, MessageFlags.Empty, DateTimeOffset.UtcNow, null, CancellationToken.None);
        return server;
    }
}
