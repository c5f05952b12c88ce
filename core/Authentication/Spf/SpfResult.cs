namespace MailCloud.Core.Authentication.Spf;

/// <summary>The results of check_host() (RFC 7208 §2.6), named as in Authentication-Results (RFC 8601 §2.7.2).</summary>
public enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

/// <summary>Which identity was checked (RFC 7208 §2.3, §2.4); the RFC 8601 property is smtp.mailfrom or smtp.helo.</summary>
public enum SpfIdentity
{
    MailFrom,
    Helo,
}

/// <summary>The outcome of one SPF check.</summary>
/// <param name="Domain">The domain whose policy was evaluated (MAIL FROM's domain, or the HELO name).</param>
/// <param name="Sender">The sender as SPF saw it: MAIL FROM, or postmaster@HELO for the null reverse-path.</param>
/// <param name="Explanation">The expanded exp= text on fail (RFC 7208 §6.2), when the domain published one.</param>
/// <param name="Problem">Why the result is temperror or permerror, for logs and the header comment.</param>
/// <param name="DnsLookups">Queries this check sent, for the cost figures in docs/architecture.md.</param>
public sealed record SpfCheck(
    SpfResult Result,
    SpfIdentity Identity,
    string Domain,
    string Sender,
    string? Explanation = null,
    string? Problem = null,
    int DnsLookups = 0);

/// <summary>A record that breaks the RFC 7208 grammar: check_host() returns permerror (§4.6).</summary>
public sealed class SpfSyntaxException(string message) : Exception(message);
