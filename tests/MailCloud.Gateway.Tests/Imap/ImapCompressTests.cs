using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using MailCloud.Testing;
using MailKit;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>COMPRESS=DEFLATE (RFC 4978) over a socket: raw DEFLATE both ways after the tagged OK.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapCompressTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Compress_deflate_compresses_both_directions_after_the_ok()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var stored = TestMessages.Simple("compressed", body: new string('z', 20_000));
        await server.AppendAsync(stored);
        await using (var before = await ImapRawClient.ConnectAsync(server.Port))
        {
            Assert.Equal(["b BAD COMPRESS is not valid in this state"], await before.CommandAsync("b", "COMPRESS DEFLATE"));
        }

        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.Port);
        var network = tcp.GetStream();
        var plain = new StreamReader(network, Encoding.ASCII);
        async Task<string?> ReadPlainAsync() => await plain.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await ReadPlainAsync();
        await network.WriteAsync(Encoding.ASCII.GetBytes($"l LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\"\r\n"));
        var login = await ReadPlainAsync();
        Assert.StartsWith("l OK [CAPABILITY", login, StringComparison.Ordinal);
        Assert.Contains(" COMPRESS=DEFLATE", login, StringComparison.Ordinal);
        Assert.Equal("u BAD Unknown compression mechanism LZMA", await SendPlainAsync(network, plain, "u COMPRESS LZMA"));
        Assert.Equal("c OK DEFLATE active", await SendPlainAsync(network, plain, "c COMPRESS DEFLATE"));

        // From here on both directions are raw DEFLATE (RFC 1951), each side flushing per command.
        await using var deflate = new DeflateStream(network, CompressionLevel.Optimal, leaveOpen: true);
        using var inflated = new StreamReader(new DeflateStream(network, CompressionMode.Decompress, leaveOpen: true), Encoding.UTF8);
        async Task<List<string>> CommandAsync(string tag, string command)
        {
            await deflate.WriteAsync(Encoding.UTF8.GetBytes($"{tag} {command}\r\n"));
            await deflate.FlushAsync();
            var lines = new List<string>();
            while (await inflated.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } line)
            {
                lines.Add(line);
                if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                {
                    break;
                }
            }

            return lines;
        }

        Assert.Equal(["n OK NOOP completed"], await CommandAsync("n", "NOOP"));
        Assert.Contains("* 1 EXISTS", await CommandAsync("s", "SELECT INBOX"));
        var fetch = await CommandAsync("f", "FETCH 1 (RFC822.SIZE BODY.PEEK[TEXT])");
        Assert.Equal($"* 1 FETCH (RFC822.SIZE {stored.Length} BODY[TEXT] {{20002}}", fetch[0]);
        Assert.Equal(new string('z', 20_000), fetch[1]);
        Assert.Equal(["c2 NO [COMPRESSIONACTIVE] Compression is already active"], await CommandAsync("c2", "COMPRESS DEFLATE"));
        Assert.Equal(["* BYE Logging out", "o OK LOGOUT completed"], await CommandAsync("o", "LOGOUT"));
    }

    private static async Task<string?> SendPlainAsync(NetworkStream network, StreamReader reader, string command)
    {
        await network.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        return await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task MailKit_works_over_compression()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var body = string.Concat(Enumerable.Repeat("All work and no play. ", 2000));
        await server.AppendAsync(TestMessages.Simple("big", body));
        using var client = await server.ConnectAsync();
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Imap.ImapCapabilities.Compress));
        await client.CompressAsync();

        await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var message = await client.Inbox.GetMessageAsync(0);
        Assert.Equal(body, message.TextBody?.TrimEnd('\r', '\n'));
        await client.Inbox.AddFlagsAsync(0, MessageFlags.Flagged, silent: true);
        var summary = Assert.Single(await client.Inbox.FetchAsync(0, -1, MessageSummaryItems.Flags | MessageSummaryItems.Size));
        Assert.True(summary.Flags!.Value.HasFlag(MessageFlags.Flagged));
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Compression_sits_on_tls_after_starttls()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("over tls", string.Concat(Enumerable.Repeat("Secret and small. ", 500))));
        using var client = new MailKit.Net.Imap.ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", server.Port, MailKit.Security.SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        await client.CompressAsync();

        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal("over tls", (await client.Inbox.GetMessageAsync(0)).Subject);
        await client.DisconnectAsync(true);
    }
}
