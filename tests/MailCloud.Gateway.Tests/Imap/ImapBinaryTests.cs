using System.Text;
using MailCloud.Core.Mailboxes;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// BINARY (RFC 3516): FETCH BINARY[part]&lt;partial&gt;, BINARY.PEEK and BINARY.SIZE give a part's content
/// with its Content-Transfer-Encoding undone, and APPEND takes a literal8. The decoded octets of the
/// leaf parts are those Dovecot 2.3 gives.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapBinaryTests(AzuriteFixture azurite)
{
    /// <summary>A base64 part holding NULs, a part in an encoding nobody knows, and an encapsulated message.</summary>
    private const string Parts =
        "From: a@example.com\r\n" +
        "Subject: binary parts\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n" +
        "\r\n" +
        "--b\r\n" +
        "Content-Type: application/octet-stream\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "AAECAw==\r\n" +
        "--b\r\n" +
        "Content-Type: text/plain\r\n" +
        "Content-Transfer-Encoding: x-custom\r\n" +
        "\r\n" +
        "abc\r\n" +
        "--b\r\n" +
        "Content-Type: message/rfc822\r\n" +
        "\r\n" +
        "Subject: inner\r\n" +
        "\r\n" +
        "hello\r\n" +
        "--b--\r\n";

    [Fact]
    public async Task Quoted_printable_and_base64_parts_are_decoded_with_sizes_and_partials()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Multipart);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        Assert.Contains(" BINARY ", (await client.CommandAsync("c", "CAPABILITY"))[0], StringComparison.Ordinal);
        await client.CommandAsync("s", "EXAMINE INBOX");

        // "Grüße aus München.\r\nZweite Zeile." is 36 octets of UTF-8 (48 quoted-printable).
        Assert.Equal(
            ["* 1 FETCH (BINARY[1.1] {36}", "Grüße aus München.", "Zweite Zeile. BINARY.SIZE[1.1] 36)", "f1 OK FETCH completed"],
            await client.CommandAsync("f1", "FETCH 1 (BINARY.PEEK[1.1] BINARY.SIZE[1.1])"));
        Assert.Equal(
            ["* 1 FETCH (BINARY[2] {19}", "%PDF-1.4", "%äüöß", " BINARY.SIZE[2] 19 BINARY[2]<1> {3}", "PDF BINARY[2]<30> {0}", ")", "f2 OK FETCH completed"],
            await client.CommandAsync("f2", "FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[2]<1.3> BINARY.PEEK[2]<30.10>)"));

        // A part without the field is 7bit: its octets as they are.
        Assert.Equal(
            ["* 1 FETCH (UID 1 BINARY[1.2] {14}", "<p>Gruesse</p>)", "f3 OK UID FETCH completed"],
            await client.CommandAsync("f3", "UID FETCH 1 BINARY.PEEK[1.2]"));
    }

    [Fact]
    public async Task Nul_octets_come_in_a_literal8_and_an_unknown_encoding_is_refused()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(Parts);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "EXAMINE INBOX");

        // RFC 3516 §4.3: NUL is allowed only in a literal8.
        Assert.Equal(
            ["* 1 FETCH (BINARY[1] ~{4}", "\0\u0001\u0002\u0003 BINARY.SIZE[1] 4)", "f1 OK FETCH completed"],
            await client.CommandAsync("f1", "FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])"));

        // RFC 3516 §4.2: NO [UNKNOWN-CTE], with no partial FETCH response before it.
        Assert.Equal(["f2 NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding"], await client.CommandAsync("f2", "FETCH 1 (BINARY.PEEK[2])"));
        Assert.Equal(["f3 NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding"], await client.CommandAsync("f3", "FETCH 1 (FLAGS BINARY.SIZE[2])"));

        // An encapsulated message is never encoded (RFC 2045 §6.4): its octets; its own body is a part again.
        Assert.Equal(
            ["* 1 FETCH (BINARY[3] {23}", "Subject: inner", "", "hello BINARY[3.1] {5}", "hello)", "f4 OK FETCH completed"],
            await client.CommandAsync("f4", "FETCH 1 (BINARY.PEEK[3] BINARY.PEEK[3.1])"));

        // A part that does not exist is empty, as Dovecot answers.
        Assert.Equal(
            ["* 1 FETCH (BINARY[9] {0}", " BINARY.SIZE[9] 0)", "f5 OK FETCH completed"],
            await client.CommandAsync("f5", "FETCH 1 (BINARY.PEEK[9] BINARY.SIZE[9])"));
        // BINARY[] is the whole message as stored.
        Assert.Equal([$"* 1 FETCH (BINARY.SIZE[] {Parts.Length} BINARY[]<0> {{4}}", "From)", "f8 OK FETCH completed"], await client.CommandAsync("f8", "FETCH 1 (BINARY.SIZE[] BINARY.PEEK[]<0.4>)"));
        Assert.Equal(["f6 BAD BINARY.SIZE takes no partial"], await client.CommandAsync("f6", "FETCH 1 BINARY.SIZE[1]<0.2>"));
        Assert.Equal(["f7 BAD BINARY takes part numbers only"], await client.CommandAsync("f7", "FETCH 1 BINARY.PEEK[1.MIME]"));
    }

    [Fact]
    public async Task Binary_without_peek_sets_seen()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Multipart);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("e", "ENABLE IMAP4rev2");
        await client.CommandAsync("s", "SELECT INBOX");

        var response = await client.CommandAsync("f", "FETCH 1 BINARY[2]<0.4>");
        Assert.Equal(["* 1 FETCH (FLAGS (\\Seen) BINARY[2]<0> {4}", "%PDF)"], response[..2]);
        Assert.Equal("f OK FETCH completed", response[^1]);
        Assert.True((await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages[0].Flags.Has(SystemFlags.Seen));
    }

    [Fact]
    public async Task Append_takes_a_literal8_with_nul_octets()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var message = "Subject: bin\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\nab\0cd\r\n";

        // RFC 3516 §4.4: append-data = literal8; a synchronizing one here, then a non-synchronizing one in a MULTIAPPEND.
        await client.SendAsync($"a APPEND INBOX ~{{{message.Length}}}\r\n");
        Assert.Equal("+ Ready for literal data", await client.ReadLineAsync());
        await client.SendAsync(message + "\r\n");
        Assert.StartsWith("a OK [APPENDUID ", (await client.ReadUntilTaggedAsync("a"))[^1], StringComparison.Ordinal);
        await client.SendAsync($"b APPEND INBOX ~{{{message.Length}+}}\r\n{message} (\\Seen) ~{{{message.Length}+}}\r\n{message}\r\n");
        Assert.EndsWith(" 2:3] APPEND completed", (await client.ReadUntilTaggedAsync("b"))[^1], StringComparison.Ordinal);

        // Anywhere else a literal8 is BAD, as Dovecot says.
        Assert.Equal(["c BAD literal8 not allowed here"], await client.CommandAsync("c", "STATUS ~{5+}\r\nINBOX (MESSAGES)"));
        Assert.Equal(["d BAD literal8 not allowed here"], await client.CommandAsync("d", $"APPEND ~{{5+}}\r\nINBOX {{{message.Length}+}}\r\n{message}"));

        await client.CommandAsync("s", "EXAMINE INBOX");
        Assert.Equal(
            ["* 3 FETCH (RFC822.SIZE 98 BINARY[1] ~{7}", "ab\0cd", " BINARY.SIZE[1] 7)", "f OK FETCH completed"],
            await client.CommandAsync("f", "FETCH 3 (BINARY.PEEK[1] BINARY.SIZE[1] RFC822.SIZE)"));
        Assert.Equal(Encoding.ASCII.GetBytes(message), await ReadAsync(server, 3));
    }

    private static async Task<byte[]> ReadAsync(ImapTestServer server, uint uid)
    {
        await using var content = await server.Store.OpenMessageAsync(server.AccountId, "INBOX", uid, cancellationToken: CancellationToken.None);
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy);
        return copy.ToArray();
    }
}
