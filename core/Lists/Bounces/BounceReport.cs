namespace MailCloud.Core.Lists.Bounces;

/// <summary>How bad a bounce is for the member it is about.</summary>
public enum BounceSeverity
{
    /// <summary>Not recognised as a bounce (an auto-reply, an unknown format): it scores nothing.</summary>
    Unknown,

    /// <summary>A transient failure or a delay (4.x.x, Action: delayed): not scored, the sender retries.</summary>
    Soft,

    /// <summary>A permanent failure (Action: failed with a 5.x.x status, or a 5xx reply in a known text format).</summary>
    Hard,
}

/// <summary>
/// What a bounce says: its severity, the status it gave (RFC 3463), and the post it is about (the returned
/// message's Message-ID, or the DSN's Original-Envelope-Id), when it names one.
/// </summary>
public sealed record BounceReport(BounceSeverity Severity, string? Status, string? Diagnostic, string? OriginalMessageId)
{
    public static BounceReport Unrecognised { get; } = new(BounceSeverity.Unknown, null, null, null);
}
