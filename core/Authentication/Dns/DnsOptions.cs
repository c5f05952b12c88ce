using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Authentication.Dns;

/// <summary>
/// The resolver the authentication checks ask (section "Dns"). With no servers the system resolver
/// is used, which is what local mode and most deployments want.
/// </summary>
public sealed class DnsOptions
{
    public const string SectionName = "Dns";

    /// <summary>Recursive resolvers as "ip" or "ip:port" (IPv6 as "[ip]:port"); empty = the system's.</summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>
    /// Per try; a query still unanswered after every retry is a temporary failure. Short, with
    /// retries, because a lost UDP datagram costs a whole timeout while the SMTP client waits; a
    /// recursive resolver still working on the first try answers the retry from its cache.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

    [Range(0, 5)] public int Retries { get; set; } = 2;

    /// <summary>
    /// How long a name that does not exist (or a failed answer) is remembered, so a burst of mail
    /// from one domain asks once (RFC 2308 negative caching; DnsClient does not read the SOA minimum,
    /// so this bounds it). Zero asks every time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan NegativeCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The servers as endpoints (port 53 when none is given).</summary>
    public IReadOnlyList<IPEndPoint> ServerEndPoints() =>
        [.. Servers.Select(IPEndPoint.Parse).Select(ep => ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep)];
}

internal sealed class DnsOptionsValidator : IValidateOptions<DnsOptions>
{
    public ValidateOptionsResult Validate(string? name, DnsOptions options)
    {
        var errors = options.Servers
            .Where(server => !IPEndPoint.TryParse(server, out _))
            .Select(server => $"Dns:Servers entry '{server}' is not an IP address or ip:port.")
            .ToList();
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromSeconds(30))
        {
            errors.Add("Dns:Timeout must be between 0 and 30 seconds.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
