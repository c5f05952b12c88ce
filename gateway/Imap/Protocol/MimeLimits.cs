using MimeKit;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// How much MIME structure the IMAP server parses out of one message, as Dovecot bounds it
/// (<c>max_nested_mime_parts</c> 100, <c>max_total_mime_parts</c> 10,000). A 200 kB message can
/// hold 20,000 parts and a 50 MB one millions; every part costs a MimeKit entity and, in
/// BODYSTRUCTURE, a parenthesised list. Past the depth, a multipart is read as one opaque part
/// (MimeKit's <see cref="ParserOptions.MaxMimeDepth"/>); past the part count, the whole body is.
/// </summary>
public static class MimeLimits
{
    public const int MaxDepth = 100;

    public const int MaxParts = 10_000;

    /// <summary>The parser options that apply <see cref="MaxDepth"/>.</summary>
    public static ParserOptions Bounded { get; } = new() { MaxMimeDepth = MaxDepth };

    /// <summary>Parses with every multipart read as one part: what a message with too many parts is shown as.</summary>
    public static ParserOptions Opaque { get; } = new() { MaxMimeDepth = 0 };

    /// <summary>
    /// Parses a message from the start of <paramref name="raw"/> (seekable) within the limits; when it
    /// holds more than <see cref="MaxParts"/> entities, parses it again with its body as one part.
    /// <paramref name="configure"/> attaches handlers to each parser before it runs.
    /// </summary>
    public static async Task<MimeMessage> ParseAsync(Stream raw, bool persistent, Action<MimeParser> configure, CancellationToken cancellationToken)
    {
        var start = raw.Position;
        try
        {
            var parser = new MimeParser(Bounded, raw, MimeFormat.Entity, persistent);
            var parts = 0;
            parser.MimeEntityBegin += (_, _) =>
            {
                if (++parts > MaxParts)
                {
                    throw new TooManyPartsException();
                }
            };
            configure(parser);
            return await parser.ParseMessageAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TooManyPartsException)
        {
            raw.Position = start;
            var parser = new MimeParser(Opaque, raw, MimeFormat.Entity, persistent);
            configure(parser);
            return await parser.ParseMessageAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops a parse that went past <see cref="MaxParts"/>.</summary>
    private sealed class TooManyPartsException : Exception;
}
