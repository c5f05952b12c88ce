using System.ComponentModel.DataAnnotations;
using MailCloud.Core.Addresses;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Smtp;

/// <summary>SMTP limits (section "Smtp"), validated at start.</summary>
public sealed class SmtpOptions
{
    public const string SectionName = "Smtp";

    /// <summary>Largest message accepted, in octets (advertised as SIZE, RFC 1870).</summary>
    [Range(1024, 1L << 40)] public long MaxMessageSize { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// Largest header section, in octets: it is held in memory until DATA ends (to be filtered and
    /// written first), so it is bounded; a larger one is refused with 552 5.3.4.
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)] public int MaxHeaderSize { get; set; } = 256 * 1024;

    /// <summary>RFC 5321 §4.5.3.1.8 requires at least 100.</summary>
    [Range(1, 100_000)] public int MaxRecipients { get; set; } = 100;

    /// <summary>Refused commands in one session before it is closed with 421.</summary>
    [Range(1, 1000)] public int MaxErrors { get; set; } = 10;

    /// <summary>
    /// How long the MX listens before it greets (postscreen's pregreet test): a client that speaks
    /// first breaks RFC 5321 §3.1 and §4.3.1 (the greeting comes first) and is refused with 554 5.5.0.
    /// Only on MX listeners in plaintext, never on submission. Zero greets at once (local mode, tests).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan GreetingDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Connections one client address may open to the MX per minute; past it the greeting is 421 4.7.0. Zero: no limit.</summary>
    [Range(0, 1_000_000)] public int ClientConnectionsPerMinute { get; set; } = 120;

    /// <summary>Transactions (MAIL commands) one client address may start on the MX per minute; past it MAIL gets 451 4.7.1. Zero: no limit.</summary>
    [Range(0, 1_000_000)] public int ClientMessagesPerMinute { get; set; } = 200;

    /// <summary>RCPT commands, accepted or not, one client address may send the MX per minute; past it RCPT gets 452 4.5.3. Zero: no limit.</summary>
    [Range(0, 1_000_000)] public int ClientRecipientsPerMinute { get; set; } = 1000;

    /// <summary>
    /// DNS blocklist zones (RFC 5782) the MX asks about each client at connect, e.g. "zen.spamhaus.org";
    /// a listed client is greeted with 554 5.7.1. None by default: a list's terms of use are the
    /// operator's to accept.
    /// </summary>
    public List<string> DnsBlocklists { get; set; } = [];
}

/// <summary>Checks what data annotations cannot: the blocklist zones are domain names.</summary>
internal sealed class SmtpOptionsValidator : IValidateOptions<SmtpOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        var failures = new List<string>();
        foreach (var zone in options.DnsBlocklists)
        {
            if (!EmailAddress.TryNormalizeDomain(zone, out _, out var error))
            {
                failures.Add($"Smtp:DnsBlocklists entry: {error}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
