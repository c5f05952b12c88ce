using System.Buffers.Text;
using System.Text;

namespace MailCloud.Gateway.Security;

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
    /// RFC 4616 §2: [authzid] NUL authcid NUL passwd. An authorization identity other than the
    /// authentication identity is refused (we do not let one user act as another).
    /// </summary>
    public static bool TryParsePlain(string message, out string user, out string password)
    {
        user = password = "";
        var parts = message.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[0].Length > 0 && parts[0] != parts[1])
        {
            return false;
        }

        (user, password) = (parts[1], parts[2]);
        return true;
    }
}
