using System.Net.Sockets;
using System.Text;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Pop3;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Hosting;

/// <summary>
/// SMTP, IMAP and POP3 read through the one <see cref="ConnectionInput"/>: pipelined commands are
/// answered in one flush, IMAP literals included, and bytes pipelined after STARTTLS/STLS are
/// dropped by the same rule in all three (RFC 3207 §4.2, RFC 2595 §3.1, RFC 9051 §6.2.1).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConnectionInputTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Alice = "alice@example.test";
    private const string Secret = "alice-secret";
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _host = await GatewayTestHost.StartAsync(azurite, configureServices: s =>
        {
            s.AddImap();
            s.AddPop3();
        });
        await _host.SeedDirectoryAsync((Alice, Secret));
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(ListenerNames.Imap, "a1 NOOP\r\na2 LOGIN {18+}\r\nalice@example.test \"alice-secret\"\r\na3 NOOP\r\na4 CAPABILITY\r\n", "a4 OK CAPABILITY completed\r\n")]
    [InlineData(ListenerNames.Pop3, "USER alice@example.test\r\nPASS alice-secret\r\nSTAT\r\nNOOP\r\n", "+OK\r\n")]
    [InlineData(ListenerNames.Mx, "EHLO client.test\r\nMAIL FROM:<a@remote.test>\r\nRSET\r\nNOOP\r\n", "250 2.0.0 OK\r\n250 2.0.0 OK\r\n")]
    public async Task Pipelined_commands_are_answered_in_one_flush(string listener, string pipelined, string lastReply)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", Host.Port(listener));
        var buffer = new byte[64 * 1024];
        var greeting = Encoding.ASCII.GetString(buffer, 0, await socket.ReceiveAsync(buffer));
        Assert.EndsWith("\r\n", greeting, StringComparison.Ordinal);

        await socket.SendAsync(Encoding.ASCII.GetBytes(pipelined));

        // One receive holds every answer: the server flushed once, when it had read all the commands.
        var answers = Encoding.ASCII.GetString(buffer, 0, await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.EndsWith(lastReply, answers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Imap_answers_a_literal_command_between_pipelined_ones_in_order()
    {
        await using var imap = await LineClient.ConnectAsync(Host.Port(ListenerNames.Imap));
        await imap.ReadLineAsync();
        await imap.SendAsync("a1 NOOP\r\na2 LOGIN {18}\r\n");
        Assert.Equal("a1 OK NOOP completed", await imap.ReadLineAsync());
        Assert.Equal("+ Ready for literal data", await imap.ReadLineAsync());
        await imap.SendAsync($"{Alice} {Secret}\r\na3 NOOP\r\n");
        Assert.StartsWith("a2 OK [CAPABILITY ", await imap.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Equal("a3 OK NOOP completed", await imap.ReadLineAsync());
    }

    [Fact]
    public async Task Smtp_drops_what_was_pipelined_after_starttls()
    {
        await using var smtp = await LineClient.ConnectAsync(Host.Port(ListenerNames.Submission));
        await smtp.ReadLineAsync();
        await smtp.SendAsync("EHLO client.test\r\n");
        await smtp.ReadUntilAsync(l => l.StartsWith("250 ", StringComparison.Ordinal));
        await smtp.SendAsync("STARTTLS\r\nAUTH PLAIN " + LineClient.Base64($"\0{Alice}\0{Secret}") + "\r\n");
        Assert.Equal("220 2.0.0 Ready to start TLS", await smtp.ReadLineAsync());
        await smtp.StartTlsAsync();

        // The injected AUTH was never read: the first answer over TLS is to NOOP, and AUTH needs EHLO again.
        Assert.Equal("250 2.0.0 OK", await smtp.CommandAsync("NOOP"));
        Assert.Equal("503 5.5.1 Bad sequence of commands", await smtp.CommandAsync("AUTH PLAIN " + LineClient.Base64($"\0{Alice}\0{Secret}")));
    }

    [Fact]
    public async Task Imap_drops_what_was_pipelined_after_starttls()
    {
        await using var imap = await LineClient.ConnectAsync(Host.Port(ListenerNames.Imap));
        await imap.ReadLineAsync();
        await imap.SendAsync($"a1 STARTTLS\r\nx1 LOGIN {Alice} {Secret}\r\n");
        Assert.Equal("a1 OK Begin TLS negotiation now", await imap.ReadLineAsync());
        await imap.StartTlsAsync();

        // The injected LOGIN was never read: still not authenticated, and the session goes on.
        Assert.Equal("a2 OK NOOP completed", await imap.CommandAsync("a2 NOOP"));
        Assert.Equal("a3 BAD SELECT is not valid in this state", await imap.CommandAsync("a3 SELECT INBOX"));
    }

    [Fact]
    public async Task Pop3_drops_what_was_pipelined_after_stls()
    {
        await using var pop3 = await LineClient.ConnectAsync(Host.Port(ListenerNames.Pop3));
        await pop3.ReadLineAsync();
        await pop3.SendAsync($"STLS\r\nUSER {Alice}\r\n");
        Assert.Equal("+OK Begin TLS negotiation", await pop3.ReadLineAsync());
        await pop3.StartTlsAsync();

        // The injected USER was never read: PASS has no user to go with.
        Assert.Equal("-ERR USER first", await pop3.CommandAsync("PASS " + Secret));
        Assert.Equal("+OK Send your password", await pop3.CommandAsync("USER " + Alice));
    }
}
