namespace MailCloud.Core.Authentication.Dmarc;

/// <summary>DMARC results as RFC 8601 §2.7.1 (and RFC 7489 §11.2) name them.</summary>
public enum DmarcResult
{
    None,
    Pass,
    Fail,
    TempError,
    PermError,
}

/// <summary>What the receiver does with the message (RFC 7489 §6.6.4, after pct= sampling).</summary>
public enum DmarcDisposition
{
    None,
    Quarantine,
    Reject,
}

/// <summary>The DMARC verdict on a message.</summary>
/// <param name="FromDomain">header.from: the RFC 5322.From domain (the strictest one when there are several).</param>
/// <param name="Policy">The policy that applied (p=, or sp= for a subdomain), when a record was found.</param>
public sealed record DmarcCheck(
    DmarcResult Result,
    string? FromDomain,
    DmarcPolicy? Policy = null,
    DmarcDisposition Disposition = DmarcDisposition.None,
    string? Reason = null);
