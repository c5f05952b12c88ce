using System.Net.Sockets;
using System.Text;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Pop3;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.Pop3;

/// <summary>POP3 over real sockets against a gateway on Azurite, with MailKit and Python's poplib.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class Pop3ServerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string User = "bob@example.test";
    private const string Password = "correct horse battery";

    private GatewayTestHost? _host;
    private Account? _account;

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    private int Port => Host.Port(ListenerNames.Pop3);

    public async Task InitializeAsync()
    {
        _host = await GatewayTestHost.StartAsync(azurite, configureServices: s => s.AddPop3());
        await Host.SeedDirectoryAsync((User, Password));
        _account = await Host.Services.GetRequiredService<IMailDirectory>().AuthenticateAsync(User, Password, CancellationToken.None);
        await AppendAsync("Subject: first\r\n\r\nhello\r\n.dotted line\r\n");
        await AppendAsync("Subject: second\r\n\r\nline 1\r\nline 2\r\nline 3\r\n");
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task MailKit_lists_retrieves_and_reads_stable_uids()
    {
        using var client = new Pop3Client();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(User, Password);

        Assert.Equal(2, client.Count);
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.UIDL));
        Assert.True(client.Capabilities.HasFlag(Pop3Capabilities.Top));
        var uids = await client.GetMessageUidsAsync();
        var first = await client.GetMessageAsync(0);
        Assert.Equal("first", first.Subject);
        Assert.Contains(".dotted line", first.TextBody);
        var sizes = await client.GetMessageSizesAsync();
        Assert.Equal(Encoding.ASCII.GetByteCount("Subject: first\r\n\r\nhello\r\n.dotted line\r\n"), sizes[0]);
        await client.DisconnectAsync(quit: true);

        using var again = new Pop3Client();
        await again.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await again.AuthenticateAsync(User, Password);
        Assert.Equal(uids, await again.GetMessageUidsAsync());
        await again.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Dele_then_quit_removes_exactly_that_message()
    {
        using (var client = new Pop3Client())
        {
            await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(User, Password);
            await client.DeleteMessageAsync(0);
            await client.DisconnectAsync(quit: true);
        }

        var snapshot = await Store.GetSnapshotAsync(_account!.Id, "INBOX", CancellationToken.None);
        var remaining = Assert.Single(snapshot.Messages);

        // The expunge at QUIT gives back the message's place in the quota, bytes and count (RFC 9208 §5).
        Assert.Equal(new QuotaUsage(remaining.Size, 1), await Store.GetQuotaUsageAsync(_account.Id, CancellationToken.None));
        await using var content = await Store.OpenMessageAsync(_account.Id, "INBOX", remaining.Uid);
        Assert.StartsWith("Subject: second", await new StreamReader(content).ReadToEndAsync());
    }

    [Fact]
    public async Task Dele_then_a_dropped_connection_removes_nothing()
    {
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync("127.0.0.1", Port);
            var stream = socket.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            Assert.StartsWith("+OK", await reader.ReadLineAsync());
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"USER {User}\r\nPASS {Password}\r\nDELE 1\r\nDELE 2\r\n"));
            for (var i = 0; i < 4; i++)
            {
                Assert.StartsWith("+OK", await reader.ReadLineAsync());
            }
        }

        // The session ends when the server sees the close; a fresh login shows both messages.
        using var client = new Pop3Client();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(User, Password);
        Assert.Equal(2, client.Count);
        await client.DisconnectAsync(quit: true);
    }

    [Theory]
    [InlineData(ListenerNames.Pop3, SecureSocketOptions.StartTls)]
    [InlineData(ListenerNames.Pop3s, SecureSocketOptions.SslOnConnect)]
    public async Task MailKit_reads_mail_over_stls_and_implicit_tls(string listener, SecureSocketOptions security)
    {
        using var client = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", Host.Port(listener), security);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync(User, Password);

        Assert.Equal(2, client.Count);
        Assert.Equal("second", (await client.GetMessageAsync(1)).Subject);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Passwords_are_refused_before_stls_when_the_loopback_exception_is_off()
    {
        await using var strict = await GatewayTestHost.StartAsync(azurite, o => o.AllowPlaintextAuthOnLoopback = false, s => s.AddPop3());
        var replies = await ConverseAsync(strict.Port(ListenerNames.Pop3), "CAPA", $"USER {User}", "PASS x", "AUTH PLAIN AGJvYkBleGFtcGxlLnRlc3QAeA==", "QUIT");

        Assert.Contains(replies, r => r == "STLS");
        Assert.DoesNotContain(replies, r => r.StartsWith("SASL", StringComparison.Ordinal));
        Assert.Contains("-ERR [AUTH] Use STLS before sending a password", replies);
        Assert.Contains("-ERR [AUTH] Use STLS before authenticating", replies);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_the_auth_code()
    {
        var replies = await ConverseAsync($"USER {User}", "PASS wrong", "STAT", "QUIT");

        Assert.Equal("+OK", replies[1][..3]);
        Assert.Equal("-ERR [AUTH] Authentication failed", replies[2]);
        Assert.StartsWith("-ERR", replies[3]);
        Assert.StartsWith("+OK", replies[4]);
    }

    [Fact]
    public async Task Bad_commands_get_errors_and_too_many_close_the_connection()
    {
        var replies = await ConverseAsync([.. Enumerable.Repeat("BOGUS", 10), "NOOP"]);

        // Each bad command gets its answer; the tenth's is followed by the goodbye, as in SMTP and IMAP.
        Assert.All(replies.Skip(1).Take(10), r => Assert.StartsWith("-ERR Unknown command", r));
        Assert.Equal("-ERR Too many bad commands; closing", replies[11]);
        Assert.Equal(12, replies.Count);
    }

    [Fact]
    public async Task Python_poplib_logs_in_with_auth_plain_lists_and_reads_top()
    {
        var script = $$"""
            import poplib, base64
            p = poplib.POP3('127.0.0.1', {{Port}})
            p._shortcmd('AUTH PLAIN ' + base64.b64encode(b'\0{{User}}\0{{Password}}').decode())
            print(p.stat())
            print(p.uidl()[1])
            print(p.top(2, 1)[1])
            print(p.retr(1)[1])
            p.quit()
            """;

        var (exitCode, output) = await Peers.RunAsync("python3", ["-c", script]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("(2, ", output);
        Assert.Contains("[b'Subject: second', b'', b'line 1']", output);
        Assert.Contains("b'.dotted line'", output);
    }

    private IMailboxStore Store => Host.Services.GetRequiredService<IMailboxStore>();

    private Task AppendAsync(string message) =>
        Store.AppendAsync(_account!.Id, "INBOX", new MemoryStream(Encoding.ASCII.GetBytes(message)), MessageFlags.Empty, DateTimeOffset.UtcNow, idempotencyKey: null, CancellationToken.None);

    /// <summary>Sends the lines pipelined and returns every reply line up to the server's close (greeting first).</summary>
    private Task<List<string>> ConverseAsync(params string[] lines) => ConverseAsync(Port, lines);

    private static async Task<List<string>> ConverseAsync(int port, params string[] lines)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(string.Concat(lines.Select(l => l + "\r\n"))));
        var reader = new StreamReader(stream, Encoding.ASCII);
        var replies = new List<string>();
        while (await reader.ReadLineAsync() is { } reply)
        {
            replies.Add(reply);
        }

        return replies;
    }
}
