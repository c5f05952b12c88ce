using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.Sieve.Language;

/// <summary>Limits on one run of a script (section <c>Sieve</c>).</summary>
public sealed class SieveLanguageOptions
{
    public const string SectionName = "Sieve";

    /// <summary>Redirects one run may leave; one more is a runtime error (RFC 5228 §10: bound what a script can send).</summary>
    [Range(0, 100)]
    public int MaxRedirects { get; set; } = 4;

    /// <summary>Actions one run may leave, and ten times this many commands it may run (includes included).</summary>
    [Range(1, 10_000)]
    public int MaxActions { get; set; } = 32;
}
