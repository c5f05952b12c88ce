using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>BODYSTRUCTURE over a socket: bounded for hostile messages, the same answer on every FETCH and in every session.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapFetchStructureTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_message_of_20000_parts_gets_a_small_bodystructure()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.ManyParts(20_000, depth: 0));
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "EXAMINE INBOX");

        var response = await client.CommandAsync("f1", "FETCH 1 BODYSTRUCTURE");
        Assert.Matches("^\\* 1 FETCH \\(BODYSTRUCTURE \\(\"application\" \"octet-stream\" NIL NIL NIL \"7BIT\" \\d+ NIL NIL NIL NIL\\)\\)$", response[0]);
        Assert.Equal("f1 OK FETCH completed", response[^1]);

        // The bytes are all still there: the body is the one part.
        var text = await client.CommandAsync("f2", "FETCH 1 BINARY.SIZE[1]");
        Assert.Matches("^\\* 1 FETCH \\(BINARY.SIZE\\[1\\] \\d{6}\\)$", text[0]);
    }

    [Fact]
    public async Task Bodystructure_and_body_are_the_same_on_every_fetch_and_in_every_session()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Multipart);
        var answers = new List<string>();
        for (var session = 0; session < 2; session++)
        {
            await using var client = await ImapRawClient.ConnectAsync(server.Port);
            await client.LoginAsync();
            await client.CommandAsync("s", "EXAMINE INBOX");
            for (var fetch = 0; fetch < 2; fetch++)
            {
                answers.Add((await client.CommandAsync("f", "FETCH 1 (BODYSTRUCTURE BODY)"))[0]);
            }
        }

        Assert.Single(answers.Distinct());
        Assert.Contains("BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 48 1 NIL NIL NIL NIL)", answers[0], StringComparison.Ordinal);
        Assert.Contains("BODY (((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 48 1)", answers[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("abc def\r\n\r\nbody\r\n")]
    [InlineData("Received: a\r\nAuthentication-Results: b\r\nx")]
    public async Task A_message_that_is_no_mime_is_one_text_body_and_the_session_goes_on(string octets)
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(octets);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "EXAMINE INBOX");

        foreach (var items in new[] { "BODYSTRUCTURE", "ENVELOPE", "BODY.PEEK[1]", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]", "BINARY.SIZE[1]" })
        {
            Assert.Equal("f OK FETCH completed", (await client.CommandAsync("f", $"FETCH 1 ({items})"))[^1]);
        }

        Assert.StartsWith("* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\"", (await client.CommandAsync("b", "FETCH 1 BODYSTRUCTURE"))[0], StringComparison.Ordinal);
        Assert.StartsWith("t OK", (await client.CommandAsync("t", "SEARCH TEXT x"))[^1], StringComparison.Ordinal);
    }
}
