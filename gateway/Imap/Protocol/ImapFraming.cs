using System.Buffers.Text;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>How a line ended: plainly, or announcing a literal (RFC 9051 §4.3, RFC 7888 LITERAL+).</summary>
public readonly record struct LiteralMarker(long Length, bool NonSynchronizing, bool Binary);

/// <summary>
/// Finds literal markers at the end of command lines (the lines themselves are cut by the shared
/// <see cref="MailCloud.Gateway.Hosting.LineFraming"/>). Pure: no I/O.
/// </summary>
public static class ImapFraming
{
    /// <summary>Recognises "{n}", "{n+}" or "~{n}" at the end of a line.</summary>
    public static bool TryGetLiteralMarker(ReadOnlySpan<byte> line, out LiteralMarker marker)
    {
        marker = default;
        if (line.Length < 3 || line[^1] != (byte)'}')
        {
            return false;
        }

        var open = line.LastIndexOf((byte)'{');
        if (open < 0)
        {
            return false;
        }

        var digits = line[(open + 1)..^1];
        var nonSync = digits.Length > 0 && digits[^1] == (byte)'+';
        if (nonSync)
        {
            digits = digits[..^1];
        }

        if (digits.Length is 0 or > 19 || !Utf8Parser.TryParse(digits, out long length, out var consumed) || consumed != digits.Length || length < 0)
        {
            return false;
        }

        marker = new LiteralMarker(length, nonSync, open > 0 && line[open - 1] == (byte)'~');
        return true;
    }
}
