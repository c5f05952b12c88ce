using System.Text;

namespace MailCloud.Core.Mailboxes.Naming;

/// <summary>
/// Modified UTF-7 for mailbox names of IMAP4rev1 clients (RFC 3501 §5.1.3): printable ASCII
/// stands for itself except "&amp;" (written "&amp;-"); other characters are UTF-16BE in
/// base64 with "," for "/", between "&amp;" and "-".
/// </summary>
public static class ModifiedUtf7
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    public static string Encode(string value)
    {
        var output = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length;)
        {
            var c = value[i];
            if (c is >= '\x20' and <= '\x7e')
            {
                output.Append(c == '&' ? "&-" : c);
                i++;
                continue;
            }

            var start = i;
            while (i < value.Length && value[i] is < '\x20' or > '\x7e')
            {
                i++;
            }

            var utf16 = Encoding.BigEndianUnicode.GetBytes(value.AsSpan(start, i - start).ToArray());
            output.Append('&').Append(Convert.ToBase64String(utf16).TrimEnd('=').Replace('/', ',')).Append('-');
        }

        return output.ToString();
    }

    /// <summary>Decodes a name; throws <see cref="FormatException"/> on an invalid encoding.</summary>
    public static string Decode(string value)
    {
        var output = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is < '\x20' or > '\x7e')
            {
                throw new FormatException("Mailbox name has a character outside printable ASCII.");
            }

            if (c != '&')
            {
                output.Append(c);
                continue;
            }

            var end = value.IndexOf('-', i + 1);
            if (end < 0)
            {
                throw new FormatException("Unterminated modified UTF-7 shift sequence.");
            }

            if (end == i + 1)
            {
                output.Append('&');
                i = end;
                continue;
            }

            var encoded = value[(i + 1)..end];
            if (encoded.Any(ch => !Alphabet.Contains(ch, StringComparison.Ordinal)))
            {
                throw new FormatException("Invalid character in modified UTF-7 shift sequence.");
            }

            var base64 = encoded.Replace(',', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            byte[] utf16;
            try
            {
                utf16 = Convert.FromBase64String(base64);
            }
            catch (FormatException e)
            {
                throw new FormatException("Invalid base64 in modified UTF-7 shift sequence.", e);
            }

            if (utf16.Length % 2 != 0)
            {
                throw new FormatException("Modified UTF-7 shift sequence is not whole UTF-16 code units.");
            }

            output.Append(Encoding.BigEndianUnicode.GetString(utf16));
            i = end;
        }

        return output.ToString();
    }
}
