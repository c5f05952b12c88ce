using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace MailCloud.Gateway.Tests.Support;

/// <summary>
/// A deliberately raw SMTP client for tests that need exact bytes on the wire (pipelining in one
/// packet, smuggling sequences, over-long lines) and exact replies back. Real-client tests use MailKit.
/// </summary>
public sealed class SmtpTestClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private StreamReader _reader;

    private SmtpTestClient(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
        _reader = new StreamReader(stream, Encoding.UTF8, false);
    }

    public static async Task<SmtpTestClient> ConnectAsync(int port, bool implicitTls = false, byte[]? preamble = null)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        Stream stream = tcp.GetStream();
        if (preamble is not null)
        {
            await stream.WriteAsync(preamble);
        }

        if (implicitTls)
        {
            var ssl = new SslStream(stream, false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync("localhost");
            stream = ssl;
        }

        return new SmtpTestClient(tcp, stream);
    }

    /// <summary>Connects, reads the greeting and says EHLO.</summary>
    public static async Task<SmtpTestClient> ConnectAndGreetAsync(int port, bool implicitTls = false)
    {
        var client = await ConnectAsync(port, implicitTls);
        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        Assert.Equal(250, (await client.CommandAsync("EHLO client.test")).Code);
        return client;
    }

    public bool IsTls => _stream is SslStream;

    public async Task SendRawAsync(string text) => await SendRawAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task<Reply> CommandAsync(string line)
    {
        await SendRawAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads one (possibly multi-line) reply; throws <see cref="EndOfStreamException"/> when the server has closed.</summary>
    public async Task<Reply> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))
                ?? throw new EndOfStreamException("The server closed the connection.");
            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length < 4 || line[3] == ' ')
            {
                return new Reply(int.Parse(line[..3]), lines);
            }
        }
    }

    /// <summary>True when the server has closed the connection (reads end).</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        try
        {
            return await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is null;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async Task StartTlsAsync()
    {
        Assert.Equal(220, (await CommandAsync("STARTTLS")).Code);
        await StartTlsHandshakeOnlyAsync();
    }

    /// <summary>The client side of the handshake, after the server's 220 to STARTTLS has been read.</summary>
    public async Task StartTlsHandshakeOnlyAsync()
    {
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        _stream = ssl;
        _reader = new StreamReader(ssl, Encoding.UTF8, false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    public sealed record Reply(int Code, IReadOnlyList<string> Lines)
    {
        /// <summary>The enhanced status code of the last line ("5.1.1"), when there is one.</summary>
        public string? Enhanced => Lines[^1].Split(' ')[0] is var first && first.Count(c => c == '.') == 2 && char.IsDigit(first[0]) ? first : null;

        /// <summary>The reply code with the enhanced status code, to assert both at once.</summary>
        public (int Code, string? Enhanced) Status => (Code, Enhanced);

        public override string ToString() => $"{Code} {string.Join(" | ", Lines)}";
    }
}
