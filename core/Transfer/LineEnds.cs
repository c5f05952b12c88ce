namespace MailCloud.Core.Transfer;

/// <summary>Messages in files often end their lines in LF alone; IMAP and our store need CRLF (RFC 5322 §2.3).</summary>
internal static class LineEnds
{
    /// <summary>A copy of <paramref name="source"/> with every bare LF made CRLF, other bytes unchanged.</summary>
    public static async Task<MemoryStream> ToCrlfAsync(Stream source, CancellationToken cancellationToken)
    {
        var copy = new MemoryStream();
        var reader = new LineReader(source);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            var span = line.Span;
            if (span.EndsWith("\n"u8) && !span.EndsWith("\r\n"u8))
            {
                copy.Write(span[..^1]);
                copy.Write("\r\n"u8);
            }
            else
            {
                copy.Write(span);
            }
        }

        copy.Position = 0;
        return copy;
    }
}
