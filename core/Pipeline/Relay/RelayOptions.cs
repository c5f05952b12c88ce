using System.Net;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Relay;

/// <summary>How mail leaves for remote domains (section "Relay").</summary>
public sealed class RelayOptions
{
    public const string SectionName = "Relay";

    /// <summary>
    /// DNS servers as "ip" or "ip:port"; empty means the system's resolvers. Tests point this at a
    /// DNS server on loopback.
    /// </summary>
    public List<string> DnsServers { get; set; } = [];

    public TimeSpan DnsTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The port used on MX hosts. 25 in the real world; MX records carry no port, so tests change it.</summary>
    public int MxPort { get; set; } = 25;

    /// <summary>
    /// When set, every remote message goes through this host instead of MX delivery: the answer to
    /// Azure blocking outbound port 25.
    /// </summary>
    public SmartHostOptions? SmartHost { get; set; }

    /// <summary>Delays between attempts; the last one repeats. Empty means <see cref="DefaultRetrySchedule"/>.</summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    /// <summary>After this long without success a recipient fails for good (RFC 5321 §4.5.4.1: at least 4-5 days).</summary>
    public TimeSpan MaxRetryPeriod { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Once a recipient has been deferred this long, the sender gets one "delayed" DSN.</summary>
    public TimeSpan DelayNotificationAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Connect and per-command timeout of the SMTP client.</summary>
    public TimeSpan SmtpTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// SMTP transactions this process runs at once; more relay messages wait for a free one. 16
    /// matches the Functions host's maxConcurrentCalls (functions/host.json), so by default only
    /// the host limits it; set it lower for a smart host that caps connections.
    /// </summary>
    public int MaxConcurrentTransactions { get; set; } = 16;

    /// <summary>Optional: a messages-per-minute limit such as a smart host publishes.</summary>
    public RelayRateLimitOptions RateLimit { get; set; } = new();

    public static IReadOnlyList<TimeSpan> DefaultRetrySchedule { get; } =
    [
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(40),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(4), TimeSpan.FromHours(8),
    ];

    /// <summary>The delay before attempt <paramref name="attempt"/> + 1 (attempt 0 is the first try).</summary>
    public TimeSpan RetryDelay(int attempt)
    {
        IReadOnlyList<TimeSpan> schedule = RetrySchedule.Count > 0 ? RetrySchedule : DefaultRetrySchedule;
        return schedule[Math.Clamp(attempt, 0, schedule.Count - 1)];
    }
}

/// <summary>
/// A limit on messages relayed per minute, shared by every process that relays (section
/// "Relay:RateLimit"). Each process paces itself to MessagesPerMinute / SharedByInstances, one
/// message at a time, so the sum never exceeds the limit however many instances run; a relay message
/// that finds no permit is re-queued for when the next one is due, not failed.
/// </summary>
public sealed class RelayRateLimitOptions
{
    /// <summary>0 (the default) for no limit; e.g. 30 for Azure Communication Services' default SMTP quota.</summary>
    public int MessagesPerMinute { get; set; }

    /// <summary>How many processes share the limit: in Azure the Function app's maximum instance count, locally 1.</summary>
    public int SharedByInstances { get; set; } = 1;

    public bool Enabled => MessagesPerMinute > 0;

    /// <summary>This process's time between two messages.</summary>
    public TimeSpan Interval => TimeSpan.FromMinutes(1) * SharedByInstances / MessagesPerMinute;
}

/// <summary>An authenticated submission server that relays for us (e.g. SendGrid, Azure Communication Services, Microsoft 365).</summary>
public sealed class SmartHostOptions
{
    public string Host { get; set; } = "";

    /// <summary>587 (STARTTLS) or 465 (implicit TLS).</summary>
    public int Port { get; set; } = 587;

    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>Only for tests against a server with a self-signed certificate.</summary>
    public bool AcceptAnyCertificate { get; set; }

    /// <summary>TLS is required: implicit on 465, STARTTLS otherwise.</summary>
    public SecureSocketOptions Security => Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;
}

internal sealed class RelayOptionsValidator : IValidateOptions<RelayOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        var errors = new List<string>();
        foreach (var server in options.DnsServers)
        {
            if (!IPEndPoint.TryParse(server, out _))
            {
                errors.Add($"Relay:DnsServers entry '{server}' is not an IP address or ip:port.");
            }
        }

        if (options.MxPort is < 1 or > 65535)
        {
            errors.Add("Relay:MxPort must be a TCP port.");
        }

        if (options.SmartHost is { } smartHost)
        {
            if (string.IsNullOrWhiteSpace(smartHost.Host))
            {
                errors.Add("Relay:SmartHost:Host is required when a smart host is configured.");
            }

            if (smartHost.Port is < 1 or > 65535)
            {
                errors.Add("Relay:SmartHost:Port must be a TCP port.");
            }

            if (string.IsNullOrEmpty(smartHost.Username) != string.IsNullOrEmpty(smartHost.Password))
            {
                errors.Add("Relay:SmartHost:Username and Password go together.");
            }
        }

        if (options.RetrySchedule.Any(d => d <= TimeSpan.Zero))
        {
            errors.Add("Relay:RetrySchedule delays must be positive.");
        }

        if (options.MaxRetryPeriod <= TimeSpan.Zero)
        {
            errors.Add("Relay:MaxRetryPeriod must be positive.");
        }

        if (options.MaxConcurrentTransactions is < 1 or > 1000)
        {
            errors.Add("Relay:MaxConcurrentTransactions must be between 1 and 1000.");
        }

        if (options.RateLimit.MessagesPerMinute is < 0 or > 1_000_000)
        {
            errors.Add("Relay:RateLimit:MessagesPerMinute must be between 0 (no limit) and 1000000.");
        }

        if (options.RateLimit.SharedByInstances is < 1 or > 1000)
        {
            errors.Add("Relay:RateLimit:SharedByInstances must be between 1 and 1000.");
        }
        else if (options.RateLimit.Enabled && options.RateLimit.Interval > TimeSpan.FromHours(1))
        {
            errors.Add($"Relay:RateLimit leaves each of {options.RateLimit.SharedByInstances} instances one message per {options.RateLimit.Interval}; lower SharedByInstances (the Function app's maximum instance count).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
