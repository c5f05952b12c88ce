using System.Diagnostics;
using System.Net;
using DnsClient;
using MailCloud.Testing;

namespace MailCloud.Testing;

/// <summary>
/// A real DNS server (dnsmasq, from <see cref="Peers"/>) on a free loopback port with the
/// records the relay tests need. Started per test class, stopped by PID.
/// </summary>
public sealed class DnsServer : IAsyncDisposable
{
    private readonly Process _process;

    private DnsServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <param name="records">dnsmasq record options, e.g. "--mx-host=remote.test,mx.remote.test,10".</param>
    public static async Task<DnsServer> StartAsync(IEnumerable<string> records)
    {
        var port = FreePorts.Next();
        var start = new ProcessStartInfo(await Peers.RequireAsync("dnsmasq"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var argument in new[] { "--no-daemon", "--keep-in-foreground", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", "--pid-file=", "--user=root" }.Concat(records))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start.");
        var server = new DnsServer(process, port);
        var lookup = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, port)) { UseCache = false, Timeout = TimeSpan.FromMilliseconds(200), Retries = 0 });
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"dnsmasq exited: {await process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                await lookup.QueryAsync("ready.test", QueryType.A);
                return server;
            }
            catch (DnsResponseException)
            {
                await Task.Delay(50);
            }
        }

        await server.DisposeAsync();
        throw new TimeoutException("dnsmasq did not answer.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
