namespace MailCloud.Core.Authentication.Dkim;

/// <summary>DKIM results as RFC 8601 §2.7.1 names them.</summary>
public enum DkimResult
{
    None,
    Pass,

    /// <summary>The signature or body hash does not verify, or the key was revoked (RFC 6376 §3.6.1).</summary>
    Fail,

    /// <summary>The signature cannot be processed: syntax errors, unknown algorithm, i= outside d=, From not signed.</summary>
    Neutral,

    /// <summary>We refuse the signature whether or not it verifies: expired, from the future, rsa-sha1, short RSA keys, unsigned content after l=.</summary>
    Policy,

    /// <summary>The key could not be fetched now (DNS timeout or SERVFAIL).</summary>
    TempError,

    /// <summary>No key record, or one that is malformed or does not fit the signature.</summary>
    PermError,
}

/// <summary>The verdict on one DKIM-Signature header.</summary>
/// <param name="Domain">d= (the signing domain), empty when the signature did not say.</param>
/// <param name="Signature">The first characters of b=, for header.b (RFC 6008).</param>
public sealed record DkimCheck(
    DkimResult Result,
    string Domain,
    string? Selector = null,
    string? Identity = null,
    string? Signature = null,
    string? Reason = null);
