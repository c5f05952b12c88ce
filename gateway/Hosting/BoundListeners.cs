using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// The endpoints the gateway actually listens on, by listener name (port 0 in configuration
/// means "any free port"; this says which one was taken). Valid once the host has started.
/// </summary>
public sealed class BoundListeners
{
    private readonly ConcurrentDictionary<string, ListenOptions> _listeners = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Names => [.. _listeners.Keys];

    public IPEndPoint EndPoint(string listenerName) =>
        _listeners.TryGetValue(listenerName, out var options)
            ? options.IPEndPoint ?? throw new InvalidOperationException($"Listener '{listenerName}' is not an IP endpoint.")
            : throw new KeyNotFoundException($"No listener named '{listenerName}' is open (not configured, no handler for its protocol, or no certificate for implicit TLS).");

    internal void Add(string listenerName, ListenOptions options) => _listeners[listenerName] = options;
}
