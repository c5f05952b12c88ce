using System.IO.Compression;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Connections;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// A Kestrel connection as a protocol session sees it. Starts on the transport pipes; after
/// <see cref="StartTlsAsync"/> an <see cref="SslStream"/> sits on the transport and
/// <see cref="Input"/>/<see cref="Output"/> are new pipes over it; after <see cref="StartCompression"/>
/// a pair of <see cref="DeflateStream"/>s sits on whichever pipes were there, and the pipes are new again.
/// </summary>
internal sealed class ProtocolConnection : IProtocolConnection, IAsyncDisposable
{
    private readonly ConnectionContext _context;
    private readonly SslServerAuthenticationOptions? _tls;
    private readonly ConnectionWatchdog _watchdog;
    private SslStream? _ssl;
    private PipeReader _unwatchedInput;
    private DeflateStream? _inflate;
    private DeflateStream? _deflate;

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
        _unwatchedInput = context.Transport.Input;
        Input = watchdog.Watch(_unwatchedInput);
        Output = context.Transport.Output;
    }

    public string ConnectionId => _context.ConnectionId;

    public ListenerOptions Listener { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public IPEndPoint LocalEndPoint { get; }

    public bool IsSecure => _ssl is not null;

    public bool CanStartTls => _ssl is null && _deflate is null && _tls is not null;

    public SslProtocols TlsProtocol => _ssl?.SslProtocol ?? SslProtocols.None;

    public TlsCipherSuite? TlsCipherSuite => _ssl?.NegotiatedCipherSuite;

    public PipeReader Input { get; private set; }

    public PipeWriter Output { get; private set; }

    public CancellationToken ConnectionClosed => _context.ConnectionClosed;

    public bool IsCompressed => _deflate is not null;

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
        _unwatchedInput = PipeReader.Create(ssl, new StreamPipeReaderOptions(leaveOpen: true));
        Input = _watchdog.Watch(_unwatchedInput);
        Output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public void StartCompression()
    {
        if (_deflate is not null)
        {
            throw new InvalidOperationException("Compression is already active on this connection.");
        }

        var below = new DuplexPipeStream(_unwatchedInput, Output);
        _inflate = new DeflateStream(below, CompressionMode.Decompress, leaveOpen: true);
        _deflate = new DeflateStream(below, CompressionLevel.Fastest, leaveOpen: true);
        _unwatchedInput = PipeReader.Create(_inflate, new StreamPipeReaderOptions(leaveOpen: true));
        Input = _watchdog.Watch(_unwatchedInput);
        Output = PipeWriter.Create(_deflate, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public async ValueTask DisposeAsync()
    {
        if (_ssl is null && _deflate is null)
        {
            return;
        }

        await Input.CompleteAsync().ConfigureAwait(false);
        await Output.CompleteAsync().ConfigureAwait(false);
        if (_deflate is not null)
        {
            await _inflate!.DisposeAsync().ConfigureAwait(false);
            try
            {
                // Writes the final DEFLATE block, which a client that has gone away cannot take.
                await _deflate.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
            }
        }

        if (_ssl is not null)
        {
            await _ssl.DisposeAsync().ConfigureAwait(false);
        }
    }
}
