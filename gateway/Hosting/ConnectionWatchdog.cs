using System.IO.Pipelines;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// Enforces a listener's idle timeout (time spent waiting for the client, not time the server
/// spends working), its TLS handshake timeout and its whole-session timeout by aborting the
/// transport. The session sees the connection drop; protocol-neutral, so every protocol gets it for free.
/// </summary>
internal sealed class ConnectionWatchdog : IDisposable
{
    private readonly ITimer _idleTimer;
    private readonly ITimer _handshakeTimer;
    private readonly ITimer _sessionTimer;
    private readonly ListenerOptions _listener;

    public ConnectionWatchdog(TimeProvider time, ListenerOptions listener, Action<string> abort)
    {
        _listener = listener;
        _idleTimer = time.CreateTimer(_ => abort("idle timeout"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _handshakeTimer = time.CreateTimer(_ => abort("TLS handshake timeout"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _sessionTimer = time.CreateTimer(_ => abort("session timeout"), null, listener.SessionTimeout, Timeout.InfiniteTimeSpan);
    }

    public void WaitingForClient() => _idleTimer.Change(_listener.IdleTimeout, Timeout.InfiniteTimeSpan);

    public void ClientAnswered() => _idleTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// A TLS handshake (implicit, STARTTLS or STLS) gets <see cref="ListenerOptions.TlsHandshakeTimeout"/>,
    /// not the idle timeout: a client that never finishes one must not hold a connection for 30 minutes.
    /// </summary>
    public void HandshakeStarted() => _handshakeTimer.Change(_listener.TlsHandshakeTimeout, Timeout.InfiniteTimeSpan);

    public void HandshakeEnded() => _handshakeTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    public PipeReader Watch(PipeReader reader) => new WatchedPipeReader(reader, this);

    public void Dispose()
    {
        _idleTimer.Dispose();
        _handshakeTimer.Dispose();
        _sessionTimer.Dispose();
    }

    private sealed class WatchedPipeReader(PipeReader inner, ConnectionWatchdog watchdog) : PipeReader
    {
        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            watchdog.WaitingForClient();
            try
            {
                return await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                watchdog.ClientAnswered();
            }
        }

        public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}
