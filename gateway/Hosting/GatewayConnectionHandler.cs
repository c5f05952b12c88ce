using System.Net;
using MailCloud.Gateway.Hosting.Proxy;
using MailCloud.Gateway.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// Serves one listener: reads a PROXY header from trusted front ends, enforces the connection
/// limits, does implicit TLS, and hands the connection to the protocol's session handler.
/// A connection counts against the limits from its first byte, TLS handshake included. Refused
/// connections on plaintext listeners get the protocol's own "busy" reply through
/// <see cref="IProtocolSessionHandler.RejectAsync"/>; on implicit-TLS listeners they are closed at
/// once, before any TLS: a handshake would cost a slot and CPU for a client we will not serve.
/// Each connection takes <see cref="ServerCertificate.AuthenticationOptions"/> as they are when it
/// starts, so a renewed certificate is presented from the next connection on.
/// </summary>
internal sealed partial class GatewayConnectionHandler(
    ListenerOptions listener,
    IProtocolSessionHandler sessions,
    ServerCertificate certificate,
    TrustedProxies trustedProxies,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<GatewayConnectionHandler> logger) : ConnectionHandler
{
    private readonly ConnectionLimiter _limiter = new(listener);

    public override async Task OnConnectedAsync(ConnectionContext context)
    {
        if (context.RemoteEndPoint is not IPEndPoint socketRemote || context.LocalEndPoint is not IPEndPoint socketLocal)
        {
            return;
        }

        using var scope = logger.BeginScope("{ConnectionId} {Listener} {Peer}", context.ConnectionId, listener.Name, socketRemote);
        ProtocolConnection? connection = null;
        using var watchdog = new ConnectionWatchdog(time, listener, reason =>
        {
            LogTimedOut(reason);
            context.Abort(new ConnectionAbortedException(reason));
        });

        var (remote, local) = (socketRemote, socketLocal);
        if (trustedProxies.Contains(socketRemote.Address))
        {
            try
            {
                var header = await ProxyProtocolReader.ReadAsync(watchdog.Watch(context.Transport.Input), context.ConnectionClosed).ConfigureAwait(false);
                remote = header.Source ?? remote;
                local = header.Destination ?? local;
            }
            catch (ProxyProtocolException ex)
            {
                LogBadProxyHeader(ex.Message);
                return;
            }
            catch (Exception ex) when (IsDisconnect(ex))
            {
                return;
            }
        }

        var admitted = _limiter.TryAcquire(remote.Address, out var refusal);
        try
        {
            if (!admitted && listener.Tls == TlsMode.Implicit)
            {
                LogRefused(remote.Address, refusal);
                return;
            }

            connection = new ProtocolConnection(context, listener, remote, local, certificate.AuthenticationOptions, watchdog);
            if (listener.Tls == TlsMode.Implicit)
            {
                await connection.StartTlsAsync(context.ConnectionClosed).ConfigureAwait(false);
            }

            if (!admitted)
            {
                LogRefused(remote.Address, refusal);
                await sessions.RejectAsync(connection, refusal, context.ConnectionClosed).ConfigureAwait(false);
                return;
            }

            LogConnected(remote);
            await sessions.RunAsync(connection, lifetime.ApplicationStopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDisconnect(ex))
        {
            LogDisconnected(ex.Message);
        }
        catch (Exception ex)
        {
            LogSessionFailed(ex);
        }
        finally
        {
            if (admitted)
            {
                _limiter.Release(remote.Address);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The client went away, timed out, or failed the TLS handshake: routine, not an error.</summary>
    private static bool IsDisconnect(Exception ex) =>
        ex is ConnectionResetException or ConnectionAbortedException or IOException or System.Security.Authentication.AuthenticationException
            || ex is OperationCanceledException;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection from {Remote}")]
    private partial void LogConnected(IPEndPoint remote);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection ended: {Reason}")]
    private partial void LogDisconnected(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection closed on {Reason}")]
    private partial void LogTimedOut(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused connection from {Client}: {Refusal}")]
    private partial void LogRefused(IPAddress client, ConnectionRefusal refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closed connection from a trusted proxy: {Problem}")]
    private partial void LogBadProxyHeader(string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session failed")]
    private partial void LogSessionFailed(Exception exception);
}
