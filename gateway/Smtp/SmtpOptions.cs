using System.ComponentModel.DataAnnotations;

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
}
