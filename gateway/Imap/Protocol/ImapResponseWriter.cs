using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// Writes responses (RFC 9051 §7) into a <see cref="PipeWriter"/>: raw protocol text, strings as
/// quoted or literal as their content requires, and literals streamed from a source. Nothing is
/// sent until <see cref="FlushAsync"/>, except while a large literal streams.
/// </summary>
public sealed class ImapResponseWriter(PipeWriter output)
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
        Raw(binary ? "~{" : "{").Number(content.Length).Raw("}\r\n");
        output.Write(content);
        return this;
    }

    /// <summary>Streams a literal of exactly <paramref name="length"/> octets from <paramref name="source"/>, flushing as it goes.</summary>
    public async Task LiteralAsync(Stream source, long length, CancellationToken cancellationToken, bool binary = false)
    {
        Raw(binary ? "~{" : "{").Number(length).Raw("}\r\n");
        var remaining = length;
        while (remaining > 0)
        {
            var memory = output.GetMemory((int)Math.Min(remaining, 64 * 1024));
            var read = await source.ReadAsync(memory[..(int)Math.Min(remaining, memory.Length)], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException($"Message content ended {remaining} octets short of the announced literal.");
            }

            output.Advance(read);
            remaining -= read;
            if (output.UnflushedBytes >= 64 * 1024)
            {
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var result = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new OperationCanceledException("The client connection is closed.");
        }
    }

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
