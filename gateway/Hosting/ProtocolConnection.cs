using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// A Kestrel connection as a protocol session sees it. Starts on the transport pipes; after
/// <see cref="StartTlsAsync"/> an <see cref="SslStream"/> sits on the transport and
/// <see cref="Input"/>/<see cref="Output"/> are new pipes over it.
/// </summary>
internal sealed class ProtocolConnection : IProtocolConnection, IAsyncDisposable
{
    private readonly ConnectionContext _context;
    private readonly SslServerAuthenticationOptions? _tls;
    private readonly ConnectionWatchdog _watchdog;
    private SslStream? _ssl;

    public ProtocolConnection(
        ConnectionContext context,
        ListenerOptions listener,
        IPEndPoint remote,
        IPEndPoint local,
        SslServerAuthenticationOptions? tls,
        ConnectionWatchdog watchdog)
    {
        _context = context;
        _tls = tls;
        _watchdog = watchdog;
        Listener = listener;
        RemoteEndPoint = remote;
        LocalEndPoint = local;
        Input = watchdog.Watch(context.Transport.Input);
        Output = context.Transport.Output;
    }

    public string ConnectionId => _context.ConnectionId;

    public ListenerOptions Listener { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public IPEndPoint LocalEndPoint { get; }

    public bool IsSecure => _ssl is not null;

    public bool CanStartTls => _ssl is null && _tls is not null;

    public SslProtocols TlsProtocol => _ssl?.SslProtocol ?? SslProtocols.None;

    public TlsCipherSuite? TlsCipherSuite => _ssl?.NegotiatedCipherSuite;

    public PipeReader Input { get; private set; }

    public PipeWriter Output { get; private set; }

    public CancellationToken ConnectionClosed => _context.ConnectionClosed;

    public async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        if (_ssl is not null)
        {
            throw new InvalidOperationException("TLS is already active on this connection.");
        }

        if (_tls is null)
        {
            throw new InvalidOperationException("No TLS certificate is configured.");
        }

        // Bytes already buffered in the transport (the ClientHello, typically) are read by the handshake.
        var ssl = new SslStream(new DuplexPipeStream(_context.Transport.Input, _context.Transport.Output), leaveInnerStreamOpen: false);
        _watchdog.HandshakeStarted();
        try
        {
            await ssl.AuthenticateAsServerAsync(_tls, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _watchdog.HandshakeEnded();
        }

        _ssl = ssl;
        Input = _watchdog.Watch(PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true)));
        Output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public async ValueTask DisposeAsync()
    {
        if (_ssl is not null)
        {
            await Input.CompleteAsync().ConfigureAwait(false);
            await Output.CompleteAsync().ConfigureAwait(false);
            await _ssl.DisposeAsync().ConfigureAwait(false);
        }
    }
}
