using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MailCloud.Testing;

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
    private readonly ConcurrentDictionary<string, bool> _refusedRecipients = new(StringComparer.OrdinalIgnoreCase);

    public RemoteMta()
    {
        Port = FreeTcpPort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("mx.remote.test")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_recorder);
        services.Add(new RecipientFilter(_refusedRecipients));
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    public IReadOnlyCollection<ReceivedMail> Received => _recorder.Received;

    /// <summary>Replies <paramref name="code"/> to the end of DATA for the next <paramref name="times"/> transactions.</summary>
    public void Refuse(int code, string text, int times = int.MaxValue) => _recorder.Refuse(new SmtpResponse((SmtpReplyCode)code, text), times);

    /// <summary>Refuses RCPT TO for <paramref name="address"/> (550 mailbox unavailable); others are accepted.</summary>
    public void RefuseRecipient(string address) => _refusedRecipients[address] = true;

    /// <summary>A slow remote: waits this long before answering the end of DATA.</summary>
    public TimeSpan DataAnswerDelay { get => _recorder.AnswerDelay; set => _recorder.AnswerDelay = value; }

    /// <summary>Transactions whose DATA reached the end, answered or not yet (the recording happens after the answer delay).</summary>
    public int DataTransactions => _recorder.Transactions;

    /// <summary>The most transactions that waited for their DATA answer at the same time.</summary>
    public int MostConcurrentTransactions => _recorder.MostConcurrent;

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

        private int _transactions;
        private int _concurrent;
        private int _mostConcurrent;

        public IReadOnlyCollection<ReceivedMail> Received => _received;

        public TimeSpan AnswerDelay { get; set; }

        public int Transactions => Volatile.Read(ref _transactions);

        public int MostConcurrent => Volatile.Read(ref _mostConcurrent);

        public void Refuse(SmtpResponse response, int times) => (_refusal, _refusals) = (response, times);

        public override async Task<SmtpResponse> SaveAsync(SmtpServer.ISessionContext context, SmtpServer.IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _transactions);
            var concurrent = Interlocked.Increment(ref _concurrent);
            for (var most = _mostConcurrent; concurrent > most; most = _mostConcurrent)
            {
                Interlocked.CompareExchange(ref _mostConcurrent, concurrent, most);
            }

            try
            {
                if (AnswerDelay > TimeSpan.Zero)
                {
                    await Task.Delay(AnswerDelay, cancellationToken);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _concurrent);
            }

            if (_refusal is { } refusal && Interlocked.Decrement(ref _refusals) >= 0)
            {
                return refusal;
            }

            var from = transaction.From is { User.Length: > 0 } f ? $"{f.User}@{f.Host}" : "";
            _received.Enqueue(new ReceivedMail(from, [.. transaction.To.Select(t => $"{t.User}@{t.Host}")], buffer.ToArray()));
            return SmtpResponse.Ok;
        }
    }

    private sealed class RecipientFilter(ConcurrentDictionary<string, bool> refused) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(SmtpServer.ISessionContext context, SmtpServer.Mail.IMailbox from, int size, CancellationToken cancellationToken) =>
            Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(SmtpServer.ISessionContext context, SmtpServer.Mail.IMailbox to, SmtpServer.Mail.IMailbox from, CancellationToken cancellationToken) =>
            Task.FromResult(!refused.ContainsKey($"{to.User}@{to.Host}"));
    }
}
