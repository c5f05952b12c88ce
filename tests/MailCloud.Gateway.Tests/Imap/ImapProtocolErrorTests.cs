using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>Bad input gets the right protocol answer and leaves storage untouched (invariant 6).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapProtocolErrorTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> SmallLimits = new()
    {
        ["Imap:AppendLimit"] = "100000",
        ["Imap:MaxLineLength"] = "2048",
        ["Imap:MaxBadCommands"] = "3",
    };

    [Fact]
    public async Task An_over_large_literal_is_refused_before_it_is_sent()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, SmallLimits);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();

        var refused = await client.CommandAsync("a1", "APPEND INBOX (\\Seen) {2000000000}");
        Assert.Equal(["a1 NO [TOOBIG] Message exceeds APPENDLIMIT 100000"], refused);

        // The session goes on; nothing was stored.
        var status = await client.CommandAsync("a2", "STATUS INBOX (MESSAGES)");
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 0)", status[0]);
    }

    [Fact]
    public async Task An_over_large_non_synchronizing_literal_closes_the_connection()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, SmallLimits);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.SendAsync("a1 APPEND INBOX {2000000000+}\r\nFrom: x\r\n");
        Assert.StartsWith("a1 BAD [TOOBIG]", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.StartsWith("* BYE", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Null(await client.ReadLineAsync());
        Assert.Empty((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages);
    }

    [Fact]
    public async Task A_connection_dropped_inside_an_append_literal_stores_nothing()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, SmallLimits);
        await using (var client = await ImapRawClient.ConnectAsync(server.Port))
        {
            await client.LoginAsync();
            await client.SendAsync("a1 APPEND INBOX {5000+}\r\nFrom: half@example.test\r\nSubject: cut off\r\n\r\nonly part of it");
        }

        // The session notices the drop; the half-sent message never becomes visible.
        await using var next = await ImapRawClient.ConnectAsync(server.Port);
        await next.LoginAsync();
        var status = await next.CommandAsync("a2", "STATUS INBOX (MESSAGES)");
        Assert.Equal("* STATUS \"INBOX\" (MESSAGES 0)", status[0]);
        Assert.Empty((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages);
    }

    [Theory]
    [InlineData("nobody@example.test", "whatever")]
    [InlineData(ImapTestServer.User, "wrong password")]
    public async Task Unknown_users_and_wrong_passwords_get_the_same_refusal(string user, string password)
    {
        await using var server = await ImapTestServer.StartAsync(azurite, SmallLimits);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);

        var refused = await client.CommandAsync("a1", $"LOGIN {user} \"{password}\"");
        Assert.Equal(["a1 NO [AUTHENTICATIONFAILED] Invalid credentials"], refused);

        // Still not authenticated.
        Assert.Equal(["a2 BAD SELECT is not valid in this state"], await client.CommandAsync("a2", "SELECT INBOX"));
    }

    [Fact]
    public async Task A_literal_append_within_the_limit_is_stored()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, SmallLimits);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var message = TestMessages.Simple("literal plus");
        var response = await client.CommandAsync("a1", $"APPEND INBOX (\\Flagged) \" 1-Feb-2026 08:00:00 +0000\" {{{message.Length}+}}\r\n{message}");
        Assert.Matches(@"^a1 OK \[APPENDUID \d+ 1\] ", response[^1]);
        var stored = Assert.Single((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages);
        Assert.Equal(message.Length, stored.Size);
    }

    [Theory]
    [InlineData("a1 FROBNICATE", "a1 BAD Unknown command FROBNICATE")]
    [InlineData("a1 SELECT", "a1 BAD Expected a string")]
    [InlineData("a1 FETCH 1 FLAGS", "a1 BAD FETCH is not valid in this state")]
    [InlineData("a1 LOGIN", "a1 BAD LOGIN is not valid in this state")]
    [InlineData("a1 CREATE \"unterminated", "a1 BAD Unterminated quoted string")]
    [InlineData("a1 CREATE &Jjo!-", "a1 BAD Invalid mailbox name: Invalid character in modified UTF-7 shift sequence.")]
    public async Task Bad_syntax_gets_bad_with_a_reason(string command, string expected)
    {
        await using var server = await ImapTestServer.StartAsync(azurite, SmallLimits);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var folders = (await server.Store.ListFoldersAsync(server.AccountId, CancellationToken.None)).Select(f => f.Name).ToList();
        await client.SendAsync(command + "\r\n");
        Assert.Equal(expected, await client.ReadLineAsync());
        Assert.Equal(folders, (await server.Store.ListFoldersAsync(server.AccountId, CancellationToken.None)).Select(f => f.Name));
    }

    [Fact]
    public async Task Too_many_bad_commands_end_the_session()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, SmallLimits);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        for (var i = 1; i <= 3; i++)
        {
            await client.SendAsync($"b{i} NONSENSE\r\n");
            Assert.StartsWith($"b{i} BAD", await client.ReadLineAsync(), StringComparison.Ordinal);
        }

        Assert.StartsWith("* BYE", await client.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task An_absurdly_long_line_ends_the_session()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, SmallLimits);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.SendAsync("a1 NOOP " + new string('x', 5000));
        Assert.Equal("* BYE Command line too long", await client.ReadLineAsync());
    }

    [Fact]
    public async Task Copy_to_a_missing_folder_asks_to_create_it_and_changes_nothing()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("one"));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "SELECT INBOX");
        Assert.StartsWith("m NO [TRYCREATE]", (await client.CommandAsync("m", "MOVE 1 Nowhere"))[^1], StringComparison.Ordinal);
        Assert.Single((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages);
        Assert.StartsWith("f BAD Invalid message sequence number", (await client.CommandAsync("f", "FETCH 2 FLAGS"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plaintext_login_is_disabled_before_tls_unless_allowed_on_loopback()
    {
        await using var server = await ImapTestServer.StartAsync(azurite, new Dictionary<string, string?> { ["Gateway:AllowPlaintextAuthOnLoopback"] = "false" });
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        Assert.Contains("LOGINDISABLED", client.Greeting, StringComparison.Ordinal);
        Assert.Contains("STARTTLS", client.Greeting, StringComparison.Ordinal);
        var response = await client.CommandAsync("a1", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"");
        Assert.StartsWith("a1 NO [PRIVACYREQUIRED]", response[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authenticate_plain_with_an_initial_response()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        var wrong = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{ImapTestServer.User}\0nope"));
        Assert.StartsWith("a1 NO [AUTHENTICATIONFAILED]", (await client.CommandAsync("a1", "AUTHENTICATE PLAIN " + wrong))[^1], StringComparison.Ordinal);
        Assert.StartsWith("a2 BAD", (await client.CommandAsync("a2", "AUTHENTICATE PLAIN !!notbase64"))[^1], StringComparison.Ordinal);
        var right = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{ImapTestServer.User}\0{ImapTestServer.Password}"));
        Assert.StartsWith("a3 OK [CAPABILITY", (await client.CommandAsync("a3", "AUTHENTICATE PLAIN " + right))[^1], StringComparison.Ordinal);
    }
}
