using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// The listener sets the gateway uses when configuration names none. Both come from one list,
/// <c>listeners.json</c> beside this file, which <c>infra/main.bicep</c> loads too: what Azure runs,
/// what the container starts with no configuration, and what <c>mailcloud dev</c> opens are the same
/// listeners with the same timeouts.
/// </summary>
public static class DefaultListeners
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The standard listeners with what the load balancer in front of each needs.</summary>
    public static IReadOnlyList<StandardListener> Standard { get; } = Load();

    /// <summary>
    /// The container: every interface, and 2000 + the standard port (2525 for 25), because the image
    /// runs as non-root, which cannot bind ports below 1024; the load balancer maps the public ports.
    /// </summary>
    public static IReadOnlyList<ListenerOptions> Cloud { get; } = [.. Standard.Select(s => s.Listener)];

    /// <summary>Local mode: the same listeners on loopback only.</summary>
    public static IReadOnlyList<ListenerOptions> Dev { get; } = Copy(Cloud, address: "127.0.0.1");

    /// <summary>A fresh, mutable copy of a set (options are mutable; the defaults must not be), on another <paramref name="address"/> if given.</summary>
    public static List<ListenerOptions> Copy(IReadOnlyList<ListenerOptions> set, string? address = null) =>
        [.. set.Select(l => new ListenerOptions
        {
            Name = l.Name,
            Protocol = l.Protocol,
            SmtpRole = l.SmtpRole,
            Address = address ?? l.Address,
            Port = l.Port,
            Tls = l.Tls,
            MaxConnections = l.MaxConnections,
            MaxConnectionsPerClient = l.MaxConnectionsPerClient,
            IdleTimeout = l.IdleTimeout,
            SessionTimeout = l.SessionTimeout,
            TlsHandshakeTimeout = l.TlsHandshakeTimeout,
        })];

    private static List<StandardListener> Load()
    {
        using var json = typeof(DefaultListeners).Assembly.GetManifestResourceStream("MailCloud.Gateway.Hosting.listeners.json")
            ?? throw new InvalidOperationException("listeners.json is not embedded in the gateway assembly.");
        return JsonSerializer.Deserialize<List<StandardListener>>(json, JsonOptions)
            ?? throw new InvalidOperationException("listeners.json is empty.");
    }
}

/// <summary>One entry of <c>listeners.json</c>.</summary>
/// <param name="Role">The set of gateway container groups in Azure that serves it (infra/modules/gateway.bicep).</param>
/// <param name="PublicPort">The standard port clients connect to, which the load balancer exposes.</param>
/// <param name="IdleTimeoutInMinutes">The load balancer's idle timeout for the flow: a minute past the listener's, so the gateway closes first and says why.</param>
/// <param name="Listener">The listener itself, by <see cref="ListenerOptions"/> property name.</param>
public sealed record StandardListener(string Role, int PublicPort, int IdleTimeoutInMinutes, ListenerOptions Listener);

/// <summary>The names of the default listeners, as used in configuration and logs.</summary>
public static class ListenerNames
{
    public const string Mx = "mx";
    public const string Submission = "submission";
    public const string Submissions = "submissions";
    public const string Imap = "imap";
    public const string Imaps = "imaps";
    public const string Pop3 = "pop3";
    public const string Pop3s = "pop3s";
    public const string ManageSieve = "sieve";

    /// <summary>The HTTP health endpoint, in <see cref="BoundListeners"/>.</summary>
    public const string Health = "health";
}
