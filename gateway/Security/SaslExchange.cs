namespace MailCloud.Gateway.Security;

/// <summary>The SASL mechanisms the gateway offers; both carry a password in clear, so only where <see cref="UserAuthenticator.PlaintextAllowed"/>.</summary>
public enum SaslMechanism
{
    /// <summary>RFC 4616.</summary>
    Plain,

    /// <summary>draft-murchison-sasl-login: the user name, then the password, each in answer to a challenge.</summary>
    Login,
}

/// <summary>How a SASL exchange ended.</summary>
public enum SaslStatus
{
    Credentials,

    /// <summary>The client answered a challenge with "*" (RFC 4954 §4, RFC 9051 §6.2.2, RFC 5034 §4).</summary>
    Cancelled,

    InvalidBase64,

    /// <summary>Decoded, but not what the mechanism expects (a response line too long counts here).</summary>
    Malformed,

    /// <summary>PLAIN named an authorization identity other than the authentication identity (RFC 4616 §2).</summary>
    AuthorizationDenied,
}

/// <summary>The outcome of <see cref="SaslExchange.RunAsync"/>; <see cref="User"/> and <see cref="Password"/> are set for <see cref="SaslStatus.Credentials"/>.</summary>
public readonly record struct SaslResult(SaslStatus Status, string User = "", string Password = "");

/// <summary>
/// Sends a challenge (already base64, possibly empty) in the protocol's own form (SMTP "334 ",
/// IMAP and POP3 "+ "), flushes, and returns the client's response line; null when the line was
/// too long to read.
/// </summary>
public delegate ValueTask<string?> SaslChallenge(string challenge, CancellationToken cancellationToken);

/// <summary>
/// The SASL exchange of PLAIN and LOGIN, one for SMTP AUTH (RFC 4954), IMAP AUTHENTICATE (RFC 9051
/// §6.2.2, SASL-IR RFC 4959) and POP3 AUTH (RFC 5034): initial response or challenges, "*" to
/// cancel, base64 and then the mechanism's decoding through <see cref="SaslCredentials"/>. The
/// protocols differ only in how a challenge is written.
/// </summary>
public static class SaslExchange
{
    /// <summary>The mechanisms as protocols announce them, in order of preference.</summary>
    public static IReadOnlyList<string> MechanismNames { get; } = ["PLAIN", "LOGIN"];

    private const string UserNameChallenge = "VXNlcm5hbWU6"; // "Username:"
    private const string PasswordChallenge = "UGFzc3dvcmQ6"; // "Password:"

    /// <summary>Mechanism names are case-insensitive (RFC 4422 §3.1).</summary>
    public static bool TryGetMechanism(string name, out SaslMechanism mechanism)
    {
        mechanism = default;
        if (name.Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            mechanism = SaslMechanism.Plain;
            return true;
        }

        if (name.Equals("LOGIN", StringComparison.OrdinalIgnoreCase))
        {
            mechanism = SaslMechanism.Login;
            return true;
        }

        return false;
    }

    public static async Task<SaslResult> RunAsync(SaslMechanism mechanism, string? initialResponse, SaslChallenge challenge, CancellationToken cancellationToken)
    {
        if (mechanism == SaslMechanism.Plain)
        {
            var (status, message) = await ReadAsync(initialResponse, "", challenge, cancellationToken).ConfigureAwait(false);
            if (status != SaslStatus.Credentials)
            {
                return new SaslResult(status);
            }

            return SaslCredentials.ParsePlain(message, out var user, out var password) switch
            {
                PlainResponse.Valid => new SaslResult(SaslStatus.Credentials, user, password),
                PlainResponse.AuthorizationDenied => new SaslResult(SaslStatus.AuthorizationDenied),
                _ => new SaslResult(SaslStatus.Malformed),
            };
        }

        var (userStatus, userName) = await ReadAsync(initialResponse, UserNameChallenge, challenge, cancellationToken).ConfigureAwait(false);
        if (userStatus != SaslStatus.Credentials)
        {
            return new SaslResult(userStatus);
        }

        var (passwordStatus, secret) = await ReadAsync(null, PasswordChallenge, challenge, cancellationToken).ConfigureAwait(false);
        if (passwordStatus != SaslStatus.Credentials)
        {
            return new SaslResult(passwordStatus);
        }

        return userName.Length == 0 || userName.Contains('\0') ? new SaslResult(SaslStatus.Malformed) : new SaslResult(SaslStatus.Credentials, userName, secret);
    }

    /// <summary>One response: the initial one when given, else the answer to <paramref name="text"/>; decoded from base64.</summary>
    private static async Task<(SaslStatus Status, string Text)> ReadAsync(string? initialResponse, string text, SaslChallenge challenge, CancellationToken cancellationToken)
    {
        var response = initialResponse ?? await challenge(text, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return (SaslStatus.Malformed, "");
        }

        if (initialResponse is null && response == "*")
        {
            return (SaslStatus.Cancelled, "");
        }

        return SaslCredentials.TryDecodeBase64(response, out var decoded) ? (SaslStatus.Credentials, decoded) : (SaslStatus.InvalidBase64, "");
    }
}
