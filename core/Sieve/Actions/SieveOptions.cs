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
}
