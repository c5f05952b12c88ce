using System.Net;
using System.Net.Sockets;
using MailCloud.Core.Authentication.Dns;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Authentication.Dns;

/// <summary>The resolver against a real UDP name server on loopback that answers NXDOMAIN, drops datagrams on request, and counts queries.</summary>
public sealed class DnsClientResolverTests
{
    [Fact]
    public async Task A_name_that_does_not_exist_is_asked_once_while_the_negative_cache_holds_it()
    {
        await using var server = new NxDomainServer();
        var resolver = Resolver(server, negativeCache: TimeSpan.FromMinutes(1));

        var first = await resolver.GetTxtAsync("nowhere.test", CancellationToken.None);
        var second = await resolver.GetTxtAsync("nowhere.test", CancellationToken.None);

        Assert.Equal(DnsResultCode.NonExistentDomain, first.Code);
        Assert.Equal(DnsResultCode.NonExistentDomain, second.Code);
        Assert.Equal(1, server.Queries);
    }

    [Fact]
    public async Task Without_a_negative_cache_every_lookup_asks()
    {
        await using var server = new NxDomainServer();
        var resolver = Resolver(server, negativeCache: TimeSpan.Zero);

        await resolver.GetTxtAsync("nowhere.test", CancellationToken.None);
        await resolver.GetTxtAsync("nowhere.test", CancellationToken.None);

        Assert.Equal(2, server.Queries);
    }

    [Fact]
    public async Task A_lost_datagram_is_retried_and_answered_not_a_temporary_failure()
    {
        await using var server = new NxDomainServer { DropFirst = 1 };
        var resolver = Resolver(server, negativeCache: TimeSpan.Zero);

        var result = await resolver.GetTxtAsync("lossy.test", CancellationToken.None);

        Assert.Equal(DnsResultCode.NonExistentDomain, result.Code);
        Assert.Equal(2, server.Queries);
    }

    private static DnsClientResolver Resolver(NxDomainServer server, TimeSpan negativeCache) =>
        new(Options.Create(new DnsOptions
        {
            Servers = [server.Endpoint.ToString()],
            Timeout = TimeSpan.FromMilliseconds(300),
            Retries = 2,
            NegativeCacheDuration = negativeCache,
        }));

    /// <summary>Answers every query with RCODE 3 (RFC 1035 §4.1.1), after dropping the first <see cref="DropFirst"/>.</summary>
    private sealed class NxDomainServer : IAsyncDisposable
    {
        private readonly UdpClient _socket = new(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;
        private int _queries;

        public NxDomainServer() => _serving = ServeAsync();

        public IPEndPoint Endpoint => (IPEndPoint)_socket.Client.LocalEndPoint!;

        public int DropFirst { get; init; }

        public int Queries => Volatile.Read(ref _queries);

        private async Task ServeAsync()
        {
            try
            {
                while (true)
                {
                    var request = await _socket.ReceiveAsync(_stop.Token);
                    if (Interlocked.Increment(ref _queries) <= DropFirst)
                    {
                        continue;
                    }

                    var answer = request.Buffer.ToArray();
                    answer[2] = (byte)(0x80 | (answer[2] & 0x79)); // QR = 1, keep opcode and RD
                    answer[3] = 0x83; // RA = 1, RCODE = 3 (NXDOMAIN)
                    await _socket.SendAsync(answer, request.RemoteEndPoint, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _serving;
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}
