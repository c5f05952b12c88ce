using System.Net.Sockets;
using System.Text;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>A bare IMAP connection for sending exactly the bytes a test wants, including bad ones.</summary>
internal sealed class ImapRawClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;

    private ImapRawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public string Greeting { get; private set; } = "";

    public static async Task<ImapRawClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new ImapRawClient(tcp);
        client.Greeting = await client.ReadLineAsync() ?? "";
        return client;
    }

    public async Task SendAsync(string text) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task<string?> ReadLineAsync() => await _reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Sends a command line and reads every response line up to and including the tagged one.</summary>
    public async Task<List<string>> CommandAsync(string tag, string command)
    {
        await SendAsync($"{tag} {command}\r\n");
        return await ReadUntilTaggedAsync(tag);
    }

    public async Task<List<string>> ReadUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (await ReadLineAsync() is { } line)
        {
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return lines;
            }
        }

        throw new EndOfStreamException("Connection closed before the tagged response. Got: " + string.Join(" | ", lines));
    }

    /// <summary>Sends NOOP (at most 100 times, 100 ms apart) until the responses seen so far satisfy <paramref name="done"/>; returns them.</summary>
    public async Task<List<string>> NoopUntilAsync(Func<List<string>, bool> done)
    {
        var seen = new List<string>();
        for (var i = 0; i < 100 && !done(seen); i++)
        {
            seen.AddRange(await CommandAsync("n", "NOOP"));
            if (!done(seen))
            {
                await Task.Delay(100);
            }
        }

        return seen;
    }

    public async Task LoginAsync() =>
        Assert.StartsWith("L OK", (await CommandAsync("L", $"LOGIN {ImapTestServer.User} \"{ImapTestServer.Password}\""))[^1], StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
