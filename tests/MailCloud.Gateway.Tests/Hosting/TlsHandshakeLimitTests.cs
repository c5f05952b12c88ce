using System.Net.Security;
using System.Net.Sockets;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Pop3;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Hosting;

/// <summary>
/// Clients that open TLS connections and never finish the handshake (issue 14, defect 3): they count
/// against the per-client limit, over-limit ones are closed before any TLS, and a handshake that does
/// not finish within <see cref="ListenerOptions.TlsHandshakeTimeout"/> ends the connection.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TlsHandshakeLimitTests(AzuriteFixture azurite)
{
    private const int PerClientLimit = 3;

    // Long enough that nothing in these tests can be closed by it by accident.
    private static readonly TimeSpan LongHandshakeTimeout = TimeSpan.FromMinutes(10);

    [Theory]
    [InlineData(ListenerNames.Submissions)]
    [InlineData(ListenerNames.Imaps)]
    [InlineData(ListenerNames.Pop3s)]
    public async Task Silent_handshakes_count_against_the_per_client_limit_and_the_one_over_it_is_closed_at_once(string listener)
    {
        await using var host = await StartAsync(l =>
        {
            l.MaxConnectionsPerClient = PerClientLimit;
            l.TlsHandshakeTimeout = LongHandshakeTimeout;
        });
        var port = host.Port(listener);

        // One more than the limit, none of them sending a ClientHello. Kestrel may run their handlers
        // in any order, so which one is refused is not known; exactly one must be, without a byte of TLS.
        var sockets = new List<TcpClient>();
        try
        {
            for (var i = 0; i <= PerClientLimit; i++)
            {
                var socket = new TcpClient();
                await socket.ConnectAsync("127.0.0.1", port);
                sockets.Add(socket);
            }

            var refused = await WaitForOneClosedAsync(sockets);

            // The others are held open, still waiting for their handshakes, and are served once they make them.
            foreach (var socket in sockets.Where(s => s != refused))
            {
                Assert.False(IsClosedByServer(socket));
                Assert.NotEmpty(await GreetingOverTlsAsync(socket));
            }
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Theory]
    [InlineData(ListenerNames.Submissions)]
    [InlineData(ListenerNames.Imaps)]
    [InlineData(ListenerNames.Pop3s)]
    public async Task An_unfinished_implicit_tls_handshake_is_closed_after_the_handshake_timeout(string listener)
    {
        // Long enough for the prompt client's handshake on a loaded machine, short for a test.
        await using var host = await StartAsync(l => l.TlsHandshakeTimeout = TimeSpan.FromSeconds(2));
        using var silent = new TcpClient();
        await silent.ConnectAsync("127.0.0.1", host.Port(listener));
        Assert.Equal(0, await ReadOnceAsync(silent.GetStream()).WaitAsync(TimeSpan.FromSeconds(30)));

        // A client that does its handshake is served as usual.
        using var prompt = new TcpClient();
        await prompt.ConnectAsync("127.0.0.1", host.Port(listener));
        Assert.NotEmpty(await GreetingOverTlsAsync(prompt));
    }

    [Fact]
    public async Task An_unfinished_starttls_handshake_is_closed_after_the_handshake_timeout()
    {
        await using var host = await StartAsync(l => l.TlsHandshakeTimeout = TimeSpan.FromMilliseconds(300));
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(220, (await client.CommandAsync("STARTTLS")).Code);
        Assert.True(await client.IsClosedByServerAsync());
    }

    private Task<GatewayTestHost> StartAsync(Action<ListenerOptions> configureListeners) =>
        GatewayTestHost.StartAsync(
            azurite,
            o => o.Listeners.ForEach(configureListeners),
            s => s.AddImap().AddPop3());

    /// <summary>Bytes read, 0 when the server closed (a reset counts as closed too).</summary>
    private static async Task<int> ReadOnceAsync(NetworkStream stream)
    {
        try
        {
            return await stream.ReadAsync(new byte[1]);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Waits (without reading, so no byte is taken from a socket) until the server has closed one of them.</summary>
    private static async Task<TcpClient> WaitForOneClosedAsync(IReadOnlyList<TcpClient> sockets)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!sockets.Any(IsClosedByServer))
        {
            await Task.Delay(50, timeout.Token);
        }

        return Assert.Single(sockets, IsClosedByServer);
    }

    // Readable with nothing to read: the server sent FIN (or RST).
    private static bool IsClosedByServer(TcpClient socket) => socket.Client.Poll(0, SelectMode.SelectRead) && socket.Client.Available == 0;

    private static async Task<string> GreetingOverTlsAsync(TcpClient socket)
    {
        var ssl = new SslStream(socket.GetStream(), leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost").WaitAsync(TimeSpan.FromSeconds(30));
        using var reader = new StreamReader(ssl);
        return await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) ?? "";
    }
}
