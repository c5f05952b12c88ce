using System.Buffers;
using System.Text;

namespace MailCloud.Core.Sieve.Scripts;

/// <summary>The script name rules of RFC 5804 §1.6 (all but NFC: see <see cref="Validate"/>).</summary>
public static class SieveScriptName
{
    /// <summary>Why <paramref name="name"/> is not a valid script name, or null when it is.</summary>
    public static string? Validate(string name, int maxLength)
    {
        if (name.Length == 0)
        {
            return "A script name cannot be empty.";
        }

        var length = 0;
        var rest = name.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != OperationStatus.Done)
            {
                return "A script name must be valid Unicode.";
            }

            // RFC 5804 §1.6: no control characters (0000-001F, 007F-009F), no LINE or PARAGRAPH SEPARATOR.
            if (rune.Value is <= 0x1F or (>= 0x7F and <= 0x9F) or 0x2028 or 0x2029)
            {
                return "A script name cannot contain control characters or line separators.";
            }

            rest = rest[consumed..];
            length++;
        }

        // RFC 5804 §1.6 also asks for NFC (Net-Unicode, RFC 5198); with InvariantGlobalization there is no
        // Unicode normalization data here, so names are taken as sent and compared code point by code point.
        return length > maxLength ? $"A script name can have at most {maxLength} characters." : null;
    }
}
