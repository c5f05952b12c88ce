using System.Buffers;
using System.Globalization;
using System.Text;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// Formats responses (RFC 9051 §7) into a buffer: raw protocol text, and strings as quoted or
/// literal as their content requires. No I/O: the session sends what was written (and streams
/// large literals itself after <see cref="LiteralHeader"/>).
/// </summary>
public sealed class ImapResponseWriter(IBufferWriter<byte> output)
{
    private const int MaxQuotedLength = 1024;

    /// <summary>Strings may carry UTF-8 in quoted form (IMAP4rev2 or ENABLE UTF8=ACCEPT, RFC 6855).</summary>
    public bool Utf8Enabled { get; set; }

    public ImapResponseWriter Raw(string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
        return this;
    }

    public ImapResponseWriter Raw(char c) => Raw(c.ToString());

    /// <summary>Bytes already in wire form (a cached answer).</summary>
    public ImapResponseWriter Raw(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        return this;
    }

    public ImapResponseWriter Number(long value) => Raw(value.ToString(CultureInfo.InvariantCulture));

    public ImapResponseWriter Number(ulong value) => Raw(value.ToString(CultureInfo.InvariantCulture));

    public ImapResponseWriter Crlf() => Raw("\r\n");

    /// <summary>A string: quoted when it can be, otherwise a literal (CR, LF, NUL, long, or 8-bit for a client without UTF-8).</summary>
    public ImapResponseWriter String(string value)
    {
        if (CanQuote(value))
        {
            var quoted = new StringBuilder(value.Length + 2).Append('"');
            foreach (var c in value)
            {
                if (c is '"' or '\\')
                {
                    quoted.Append('\\');
                }

                quoted.Append(c);
            }

            return Raw(quoted.Append('"').ToString());
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        Raw("{").Number(bytes.Length).Raw("}\r\n");
        output.Write(bytes);
        return this;
    }

    public ImapResponseWriter NString(string? value) => value is null ? Raw("NIL") : String(value);

    /// <summary>A literal from bytes in memory; "~{n}" (literal8, RFC 3516) when <paramref name="binary"/>.</summary>
    public ImapResponseWriter Literal(ReadOnlySpan<byte> content, bool binary = false)
    {
        LiteralHeader(content.Length, binary);
        output.Write(content);
        return this;
    }

    /// <summary>The "{n}" (or literal8 "~{n}", RFC 3516) and CRLF that announce <paramref name="length"/> octets the caller writes next.</summary>
    public ImapResponseWriter LiteralHeader(long length, bool binary = false) => Raw(binary ? "~{" : "{").Number(length).Raw("}\r\n");

    private bool CanQuote(string value)
    {
        if (value.Length > MaxQuotedLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is '\r' or '\n' or '\0' || (c > '\x7e' && !Utf8Enabled) || (c < ' ' && c != '\t'))
            {
                return false;
            }
        }

        return true;
    }
}
