using System.Text;
using MailCloud.Gateway.Security;

namespace MailCloud.Fuzz.Targets;

/// <summary>sasl: the input as a SASL response line (PLAIN, or one LOGIN step) through <see cref="SaslCredentials"/>, as the SMTP, IMAP and POP3 sessions decode it.</summary>
public static class SaslTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        foreach (var line in FuzzInput.Lines([.. input, (byte)'\n']))
        {
            Decode(Encoding.UTF8.GetString(line));
        }
    }

    internal static void Decode(string response)
    {
        if (SaslCredentials.TryDecodeBase64(response, out var message))
        {
            SaslCredentials.ParsePlain(message, out _, out _);
        }
    }
}
