using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.Sieve.Actions;

/// <summary>Limits on what a script may make delivery do (section "Sieve"), validated at start.</summary>
public sealed class SieveOptions
{
    public const string SectionName = "Sieve";

    /// <summary>
    /// Redirects one account's scripts may send per UTC day (RFC 5228 §4.2 lets a site limit them);
    /// past it a redirect is not carried out and the message is kept in INBOX instead. 0 allows none.
    /// </summary>
    [Range(0, 100_000)] public int RedirectsPerAccountPerDay { get; set; } = 100;

    /// <summary>How long delivery trusts what it read of an account's active script (or that it has none) before reading again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ScriptCacheTtl { get; set; } = TimeSpan.FromSeconds(30);
}
