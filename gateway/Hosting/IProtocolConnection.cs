using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// One client connection as a protocol session sees it: a duplex pipe that can be upgraded to
/// TLS in place (STARTTLS, STLS), and the facts policy needs (real client address behind a
/// trusted PROXY-protocol front end, TLS state, the listener it came in on).
/// </summary>
public interface IProtocolConnection
{
    string ConnectionId { get; }

    ListenerOptions Listener { get; }

    /// <summary>The client's address: from the PROXY header when the peer is a trusted proxy, else the socket's peer.</summary>
    IPEndPoint RemoteEndPoint { get; }

    IPEndPoint LocalEndPoint { get; }

    bool IsSecure { get; }

    /// <summary>True when TLS is not yet active and a certificate is configured: offer STARTTLS/STLS only then.</summary>
    bool CanStartTls { get; }

    SslProtocols TlsProtocol { get; }

    TlsCipherSuite? TlsCipherSuite { get; }

    /// <summary>Reads from the client. Replaced by <see cref="StartTlsAsync"/> and <see cref="StartCompression"/>: read it again after either.</summary>
    PipeReader Input { get; }

    /// <summary>Writes to the client. Replaced by <see cref="StartTlsAsync"/> and <see cref="StartCompression"/>: read it again after either.</summary>
    PipeWriter Output { get; }

    /// <summary>
    /// Performs the server side of a TLS handshake on the connection. Call after the "go ahead"
    /// reply has been flushed and with no unread client bytes pending (RFC 3207 §4.2 / RFC 9051 §6.2.1).
    /// </summary>
    Task StartTlsAsync(CancellationToken cancellationToken);

    /// <summary>True once <see cref="StartCompression"/> has run.</summary>
    bool IsCompressed { get; }

    /// <summary>
    /// Puts raw DEFLATE (RFC 1951) on both directions, over TLS when TLS is active: <see cref="Input"/>
    /// then inflates what the client sends, and <see cref="Output"/> deflates, each flush a sync flush
    /// so a reply is never held back (IMAP COMPRESS, RFC 4978 §4). Call after the "go ahead" reply
    /// has been flushed; client bytes already buffered are read as compressed.
    /// </summary>
    void StartCompression();

    /// <summary>Fires when the client goes away.</summary>
    CancellationToken ConnectionClosed { get; }
}

/// <summary>A protocol's session logic; one instance serves every connection of its protocol.</summary>
public interface IProtocolSessionHandler
{
    MailProtocol Protocol { get; }

    /// <summary>
    /// Runs one session until the client quits or the connection drops. <paramref name="stopping"/>
    /// fires on graceful shutdown: finish the command in progress (a DATA transfer included),
    /// say goodbye (421 / BYE / -ERR), and return.
    /// </summary>
    Task RunAsync(IProtocolConnection connection, CancellationToken stopping);

    /// <summary>
    /// Turns away a connection the framework will not serve (listener or per-client limit reached):
    /// say the protocol's "busy" reply (421 / BYE / -ERR) and return; the framework closes the
    /// connection. The default closes without a word.
    /// </summary>
    Task RejectAsync(IProtocolConnection connection, ConnectionRefusal refusal, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Slows and then locks out repeated authentication failures, per client address and per client
/// address and account. <c>account</c> is the key <see cref="Security.UserAuthenticator"/> resolves
/// from what the client typed (every spelling of one account gives the same key).
/// </summary>
public interface IAuthenticationThrottle
{
    /// <summary>True while the address, or the address with this account, is locked out; refuse without checking the password.</summary>
    bool IsLockedOut(IPAddress client, string? account);

    /// <summary>Records a failure and returns how long to wait before answering it.</summary>
    TimeSpan RecordFailure(IPAddress client, string? account);

    void RecordSuccess(IPAddress client, string account);
}
