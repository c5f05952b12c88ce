using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MailCloud.Functions.Tests.Support;

/// <summary>
/// A remote MTA on loopback (the SmtpServer package, in process) that records what it receives
/// and can be told to refuse the next transactions with a 4xx or 5xx reply.
/// </summary>
public sealed class RemoteMta : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SmtpServer.SmtpServer _server;
    private readonly Task _running;
    private readonly Recorder _recorder = new();

    public RemoteMta()
    {
        Port = FreeTcpPort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("mx.remote.test")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_recorder);
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    public IReadOnlyCollection<ReceivedMail> Received => _recorder.Received;

    /// <summary>Replies <paramref name="code"/> to the end of DATA for the next <paramref name="times"/> transactions.</summary>
    public void Refuse(int code, string text, int times = int.MaxValue) => _recorder.Refuse(new SmtpResponse((SmtpReplyCode)code, text), times);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _server.Shutdown();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static int FreeTcpPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public sealed record ReceivedMail(string MailFrom, IReadOnlyList<string> Recipients, byte[] Data);

    private sealed class Recorder : MessageStore
    {
        private readonly ConcurrentQueue<ReceivedMail> _received = new();
        private SmtpResponse? _refusal;
        private int _refusals;

        public IReadOnlyCollection<ReceivedMail> Received => _received;

        public void Refuse(SmtpResponse response, int times) => (_refusal, _refusals) = (response, times);

        public override Task<SmtpResponse> SaveAsync(SmtpServer.ISessionContext context, SmtpServer.IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            if (_refusal is { } refusal && Interlocked.Decrement(ref _refusals) >= 0)
            {
                return Task.FromResult(refusal);
            }

            var from = transaction.From is { User.Length: > 0 } f ? $"{f.User}@{f.Host}" : "";
            _received.Enqueue(new ReceivedMail(from, [.. transaction.To.Select(t => $"{t.User}@{t.Host}")], buffer.ToArray()));
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
