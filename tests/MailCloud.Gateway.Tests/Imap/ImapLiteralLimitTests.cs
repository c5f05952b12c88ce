using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// A literal is admitted by state and command before its octets are read, and every command has a
/// cap (invariant 6: one client cannot make the gateway spool unbounded bytes).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapLiteralLimitTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Append_before_login_is_refused_without_reading_the_literal()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);

        // The tagged BAD comes instead of "+": the client never sends the 300 kB.
        await client.SendAsync("a1 APPEND INBOX {300000}\r\n");
        Assert.Equal("a1 BAD APPEND is not valid in this state", await client.ReadLineAsync());
        Assert.Equal(["a2 OK NOOP completed"], await client.CommandAsync("a2", "NOOP"));
    }

    [Fact]
    public async Task A_large_non_synchronizing_literal_before_login_closes_the_connection()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.SendAsync("a1 APPEND INBOX {300000+}\r\n" + new string('x', 4096));
        Assert.Equal("a1 BAD [TOOBIG] Non-synchronizing literals are limited to 4096 octets", await client.ReadLineAsync());
        Assert.Equal("* BYE Literal refused", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task Login_literals_are_small()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.SendAsync("a1 LOGIN {65536}\r\n");
        Assert.Equal("a1 BAD Literal too large", await client.ReadLineAsync());

        // A login in literals of ordinary size works.
        await client.SendAsync($"a2 LOGIN {{{ImapTestServer.User.Length}}}\r\n");
        Assert.StartsWith("+", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync($"{ImapTestServer.User} {{{ImapTestServer.Password.Length}}}\r\n");
        Assert.StartsWith("+", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync(ImapTestServer.Password + "\r\n");
        Assert.StartsWith("a2 OK", (await client.ReadUntilTaggedAsync("a2"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Literals_before_login_add_up_to_a_small_cap()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);

        // Each 8 KiB literal is allowed, but seven of them and the lines between fill the 64 KiB a
        // command may hold before login: the eighth is refused before it is sent.
        var chunk = new string('x', 8 * 1024);
        await client.SendAsync("a1 ID (\"name\" {8192}\r\n");
        var accepted = 0;
        string? answer;
        while ((answer = await client.ReadLineAsync()) == "+ Ready for literal data")
        {
            accepted++;
            await client.SendAsync(chunk + " \"k\" {8192}\r\n");
        }

        Assert.Equal(7, accepted);
        Assert.Equal("a1 BAD Command too large", answer);
        Assert.Equal(["a2 OK NOOP completed"], await client.CommandAsync("a2", "NOOP"));
    }

    [Fact]
    public async Task A_small_non_synchronizing_literal_of_an_unknown_command_is_answered_in_order()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.SendAsync("a1 FROBNICATE {5+}\r\nhello\r\na2 NOOP\r\n");
        Assert.Equal("a1 BAD Unknown command FROBNICATE", await client.ReadLineAsync());
        Assert.Equal("a2 OK NOOP completed", await client.ReadLineAsync());
    }

    [Fact]
    public async Task A_command_cannot_gather_literals_past_its_cap_after_login()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "SELECT INBOX");

        // Sixteen 64 KiB search strings are 1 MiB: the last one crosses the cap.
        var text = new string('y', 64 * 1024);
        await client.SendAsync("a1 SEARCH TEXT {65536}\r\n");
        string? answer;
        while ((answer = await client.ReadLineAsync()) == "+ Ready for literal data")
        {
            await client.SendAsync(text + " TEXT {65536}\r\n");
        }

        Assert.Equal("a1 BAD Command too large", answer);
        Assert.Equal(["a2 OK NOOP completed"], await client.CommandAsync("a2", "NOOP"));
    }

    [Fact]
    public async Task The_messages_of_one_append_stay_within_appendlimit_together()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, new Dictionary<string, string?> { ["Imap:AppendLimit"] = "100000" });
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var message = TestMessages.Simple("first") + new string('z', 60 * 1024);

        // MULTIAPPEND (RFC 3502): each message may have APPENDLIMIT octets, and so may all of them together,
        // so one command spools no more than one APPEND of the largest message. The second is refused before it is sent.
        await client.SendAsync($"a1 APPEND INBOX {{{message.Length}}}\r\n");
        Assert.StartsWith("+", await client.ReadLineAsync(), StringComparison.Ordinal);
        await client.SendAsync(message + $" {{{message.Length}}}\r\n");
        Assert.Equal("a1 NO [LIMIT] The messages of one APPEND exceed 100000 octets together", await client.ReadLineAsync());

        var status = await client.CommandAsync("a2", "STATUS INBOX (MESSAGES)");
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 0)", status[0]);
    }

    [Fact]
    public async Task A_search_nested_past_the_limit_is_bad_and_the_server_lives_on()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "SELECT INBOX");

        // 30,000 levels on one line: a recursive parser without a bound overflows the stack and the process dies.
        var response = await client.CommandAsync("a1", "SEARCH " + new string('(', 30_000) + "ALL" + new string(')', 30_000));
        Assert.Equal("a1 BAD Search keys nested deeper than 64 levels", response[^1]);
        Assert.StartsWith("a2 OK", (await client.CommandAsync("a2", "SEARCH NOT NOT (OR SEEN UNSEEN)"))[^1], StringComparison.Ordinal);
    }
}
