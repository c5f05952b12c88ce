using System.Buffers.Text;
using System.Text;
using MailCloud.Core.Addresses;

namespace MailCloud.Gateway.Security;

/// <summary>What a PLAIN response (RFC 4616 §2) held.</summary>
public enum PlainResponse
{
    Valid,

    /// <summary>Not authzid NUL authcid NUL passwd, or an empty authcid.</summary>
    Malformed,

    /// <summary>An authorization identity other than the authentication identity: we do not let one user act as another.</summary>
    AuthorizationDenied,
}

/// <summary>Decoding of SASL responses for PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login).</summary>
public static class SaslCredentials
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>RFC 4954 §4: "=" is an empty initial response.</summary>
    public static bool TryDecodeBase64(string response, out string text)
    {
        text = "";
        if (response == "=")
        {
            return true;
        }

        if (!Base64.IsValid(response, out var length))
        {
            return false;
        }

        var bytes = new byte[length];
        if (!Convert.TryFromBase64String(response, bytes, out var written))
        {
            return false;
        }

        try
        {
            text = StrictUtf8.GetString(bytes, 0, written);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>
    /// RFC 4616 §2: [authzid] NUL authcid NUL passwd. The authorization identity must be empty or
    /// name the authentication identity (<see cref="SameIdentity"/>).
    /// </summary>
    public static PlainResponse ParsePlain(string message, out string user, out string password)
    {
        user = password = "";
        var parts = message.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0)
        {
            return PlainResponse.Malformed;
        }

        if (parts[0].Length > 0 && !SameIdentity(parts[0], parts[1]))
        {
            return PlainResponse.AuthorizationDenied;
        }

        (user, password) = (parts[1], parts[2]);
        return PlainResponse.Valid;
    }

    /// <summary>
    /// Whether an authorization identity names the authentication identity, compared as the directory
    /// matches addresses (<see cref="EmailAddress.Key"/>: local part without regard to case, domain
    /// normalized), so "Alice@Example.Test" may act as "alice@example.test" — the same account — and
    /// nobody may act as anyone else. Identities that are not addresses must match exactly.
    /// </summary>
    public static bool SameIdentity(string authorizationId, string authenticationId) =>
        EmailAddress.TryParse(authorizationId, out var authorization) && EmailAddress.TryParse(authenticationId, out var authentication)
            ? authorization.Key == authentication.Key
            : string.Equals(authorizationId, authenticationId, StringComparison.Ordinal);
}
