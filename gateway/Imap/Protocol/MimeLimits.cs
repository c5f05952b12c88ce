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
    /// holds more than <see cref="MaxParts"/> entities, parses it again with its body as one part;
    /// when it cannot be parsed at all, gives it as <see cref="Unparsable"/>.
    /// <paramref name="configure"/> attaches handlers to each parser before it runs.
    /// </summary>
    public static async Task<MimeMessage> ParseAsync(Stream raw, bool persistent, Action<MimeParser> configure, CancellationToken cancellationToken)
    {
        var start = raw.Position;
        try
        {
            return await ParseBoundedAsync(raw, start, persistent, configure, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException)
        {
            return Unparsable(raw, start);
        }
    }

    /// <summary>
    /// What a message MimeKit cannot read at all is shown as (APPEND stores any octets; a first line
    /// that is no header field, a header cut off without a line end): no header, and every octet
    /// one text/plain body, as Dovecot shows what it cannot parse. No parser events are raised for it.
    /// </summary>
    public static MimeMessage Unparsable(Stream raw, long start)
    {
        raw.Position = start;
        var copy = new MemoryStream();
        raw.CopyTo(copy);
        copy.Position = 0;
        var message = new MimeMessage();
        message.Headers.Clear();
        message.Body = new TextPart("plain") { Content = new MimeContent(copy) };
        return message;
    }

    private static async Task<MimeMessage> ParseBoundedAsync(Stream raw, long start, bool persistent, Action<MimeParser> configure, CancellationToken cancellationToken)
    {
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
