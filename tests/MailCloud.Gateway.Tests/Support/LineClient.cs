using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace MailCloud.Gateway.Tests.Support;

/// <summary>
/// A raw line-based client for any of the three protocols: what it sends and reads is exactly the
/// wire, so tests can compare SMTP, IMAP and POP3 answers to the same input (and send bytes in one packet).
/// </summary>
public sealed class LineClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private StreamReader _reader;

    private LineClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8, false);
    }

    /// <param name="from">A loopback address to connect from (127.0.0.2, ...), so one test can be several clients.</param>
    public static async Task<LineClient> ConnectAsync(int port, IPAddress? from = null)
    {
        var tcp = from is null ? new TcpClient() : new TcpClient(new IPEndPoint(from, 0));
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        return new LineClient(tcp);
    }

    /// <summary>Sends <paramref name="text"/> as it is, in one write.</summary>
    public async Task SendAsync(string text)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await _stream.FlushAsync();
    }

    /// <summary>Sends one line (CRLF added) and reads one line back.</summary>
    public async Task<string?> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadLineAsync();
    }

    /// <summary>The next line, or null when the server has closed the connection.</summary>
    public async Task<string?> ReadLineAsync()
    {
        try
        {
            return await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Reads lines up to and including the first one <paramref name="last"/> accepts.</summary>
    public async Task<List<string>> ReadUntilAsync(Func<string, bool> last)
    {
        var lines = new List<string>();
        while (await ReadLineAsync() is { } line)
        {
            lines.Add(line);
            if (last(line))
            {
                break;
            }
        }

        return lines;
    }

    /// <summary>The client side of a TLS handshake, once the server has said go ahead.</summary>
    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        _stream = ssl;
        _reader = new StreamReader(ssl, Encoding.UTF8, false);
    }

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
