using System.Text;

namespace MailCloud.Gateway.Smtp.Protocol;

/// <summary>xtext (RFC 3461 §4): printable ASCII except "+" and "=", with "+XX" hex escapes.</summary>
public static class XText
{
    public static bool TryDecode(string text, out string decoded)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '+')
            {
                if (i + 2 >= text.Length || !IsUpperHex(text[i + 1]) || !IsUpperHex(text[i + 2]))
                {
                    decoded = "";
                    return false;
                }

                builder.Append((char)Convert.ToByte(text.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                decoded = "";
                return false;
            }
            else
            {
                builder.Append(c);
            }
        }

        decoded = builder.ToString();
        return true;
    }

    private static bool IsUpperHex(char c) => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F';
}
