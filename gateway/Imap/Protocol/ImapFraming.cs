using System.Buffers;
using System.Buffers.Text;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>How a line ended: plainly, or announcing a literal (RFC 9051 §4.3, RFC 7888 LITERAL+).</summary>
public readonly record struct LiteralMarker(long Length, bool NonSynchronizing, bool Binary);

/// <summary>Finds command lines and literal markers in received bytes. Pure: no I/O.</summary>
public static class ImapFraming
{
    public enum LineResult
    {
        Incomplete,
        Complete,
        TooLong,
    }

    /// <summary>
    /// Takes one CRLF-terminated line off the front of <paramref name="buffer"/>. A lone LF is
    /// accepted as well, as most servers do. Lines longer than <paramref name="maxLength"/> are refused
    /// as soon as that many bytes arrive without a line end.
    /// </summary>
    public static LineResult TryReadLine(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out line, (byte)'\n', advancePastDelimiter: true))
        {
            line = default;
            return buffer.Length > maxLength ? LineResult.TooLong : LineResult.Incomplete;
        }

        if (line.Length > maxLength)
        {
            return LineResult.TooLong;
        }

        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        buffer = buffer.Slice(reader.Position);
        return LineResult.Complete;
    }

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
