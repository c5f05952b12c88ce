using System.Net;
using MailCloud.Gateway.Hosting.Proxy;
using MailCloud.Gateway.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// Opens one Kestrel endpoint per configured listener, served by the session handler registered
/// for its protocol, plus the HTTP health endpoint. A listener whose protocol has no handler, or
/// an implicit-TLS listener without a certificate, is skipped with a warning.
/// </summary>
internal sealed partial class KestrelListenerSetup(
    IOptions<GatewayOptions> options,
    IEnumerable<IProtocolSessionHandler> handlers,
    ServerCertificate certificate,
    BoundListeners bound,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILoggerFactory loggers) : IConfigureOptions<KestrelServerOptions>
{
    private readonly ILogger _logger = loggers.CreateLogger<KestrelListenerSetup>();

    public void Configure(KestrelServerOptions kestrel)
    {
        var gateway = options.Value;
        var trustedProxies = new TrustedProxies(gateway.TrustedProxies);
        var byProtocol = handlers.ToDictionary(h => h.Protocol);

        foreach (var listener in gateway.Listeners)
        {
            if (!byProtocol.TryGetValue(listener.Protocol, out var sessions))
            {
                LogNoHandler(listener.Name, listener.Protocol);
                continue;
            }

            if (listener.Tls == TlsMode.Implicit && certificate.AuthenticationOptions is null)
            {
                LogNoCertificate(listener.Name);
                continue;
            }

            var handler = new GatewayConnectionHandler(
                listener, sessions, certificate, trustedProxies, lifetime, time,
                loggers.CreateLogger<GatewayConnectionHandler>());
            kestrel.Listen(IPAddress.Parse(listener.Address), listener.Port, endpoint =>
            {
                bound.Add(listener.Name, endpoint);
                endpoint.Run(handler.OnConnectedAsync);
            });
            LogListening(listener.Name, listener.Protocol, listener.Address, listener.Port, listener.Tls);
        }

        if (gateway.HealthPort > 0)
        {
            kestrel.Listen(IPAddress.Parse(gateway.HealthAddress), gateway.HealthPort, endpoint =>
            {
                bound.Add(ListenerNames.Health, endpoint);
                endpoint.Protocols = HttpProtocols.Http1;
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listener {Listener} skipped: no session handler is registered for {Protocol}")]
    private partial void LogNoHandler(string listener, MailProtocol protocol);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listener {Listener} skipped: implicit TLS needs a certificate (Gateway:Tls)")]
    private partial void LogNoCertificate(string listener);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listener {Listener}: {Protocol} on {Address}:{Port} ({Tls})")]
    private partial void LogListening(string listener, MailProtocol protocol, string address, int port, TlsMode tls);
}
