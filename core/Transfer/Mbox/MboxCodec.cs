using System.Globalization;
using System.Text;
using MailCloud.Core.Mailboxes;
using MimeKit.Utils;

namespace MailCloud.Core.Transfer.Mbox;

/// <summary>
/// mboxrd (the "From " line format of qmail and mutt, https://www.loc.gov/preservation/digital/formats/fdd/fdd000385.shtml):
/// each message starts with <c>From sender asctime-date</c>, its lines end in LF, a line that
/// matches <c>^&gt;*From </c> gets one more "&gt;" (so the escaping is reversible), and a blank line
/// ends it. Flags go in <see cref="MboxStatusFields"/>. Messages are CRLF on our side.
/// </summary>
internal static class MboxCodec
{
    private static readonly byte[] FromSpace = "From "u8.ToArray();
    private static readonly string[] DateFormats = ["ddd MMM d HH:mm:ss yyyy", "ddd MMM d HH:mm yyyy"];

    /// <summary>Writes one message: its "From " line, the flag fields, its lines escaped, and the blank line after it.</summary>
    public static async Task WriteAsync(Stream output, MessageFlags flags, DateTimeOffset internalDate, Stream content, CancellationToken cancellationToken)
    {
        var utc = internalDate.UtcDateTime;
        // asctime(3): the day of the month is padded with a space.
        var date = string.Create(CultureInfo.InvariantCulture, $"{utc:ddd MMM} {utc.Day,2} {utc:HH:mm:ss yyyy}");
        await output.WriteAsync(Encoding.ASCII.GetBytes($"From MAILER-DAEMON {date}\n{MboxStatusFields.Format(flags)}"), cancellationToken).ConfigureAwait(false);
        var reader = new LineReader(content);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            // A last line without its line end gets one, so the blank line after the message stays a line of its own.
            var text = TrimLineEnd(line.Span);
            if (IsQuotedFrom(text))
            {
                output.WriteByte((byte)'>');
            }

            await output.WriteAsync(line[..text.Length], cancellationToken).ConfigureAwait(false);
            output.WriteByte((byte)'\n');
        }

        output.WriteByte((byte)'\n');
    }

    /// <summary>
    /// Reads the messages of one mbox file in order, each into a buffer of CRLF lines without the
    /// metadata fields. A file that does not start with a "From " line is not an mbox file.
    /// </summary>
    public static async IAsyncEnumerable<(MessageFlags Flags, DateTimeOffset InternalDate, MemoryStream Content)> ReadAsync(
        Stream input,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = new LineReader(input);
        var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        while (line is { } blank && TrimLineEnd(blank.Span).IsEmpty)
        {
            line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }

        if (line is null)
        {
            yield break;
        }

        if (!line.Value.Span.StartsWith(FromSpace))
        {
            throw new ArchiveException("Not an mbox file: it does not start with a \"From \" line.");
        }

        while (line is { } fromLine)
        {
            var fromDate = ParseFromLineDate(Encoding.Latin1.GetString(TrimLineEnd(fromLine.Span)));
            var message = new MessageReader();

            // A blank line is held until the next one shows whether it ends the message (a "From " line follows, or nothing).
            var blankHeld = false;
            line = null;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } next)
            {
                if (blankHeld && next.Span.StartsWith(FromSpace))
                {
                    line = next;
                    break;
                }

                if (blankHeld)
                {
                    message.Add([]);
                }

                var text = TrimLineEnd(next.Span);
                blankHeld = text.IsEmpty;
                if (!blankHeld)
                {
                    message.Add(text[0] == '>' && IsQuotedFrom(text[1..]) ? text[1..] : text);
                }
            }

            yield return (message.Flags, fromDate ?? message.Date ?? DateTimeOffset.UnixEpoch, message.Finish());
        }
    }

    private static DateTimeOffset? ParseFromLineDate(string fromLine)
    {
        // "From sender date": the sender has no spaces; the date is asctime, perhaps with a zone.
        var parts = fromLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3)
        {
            return null;
        }

        // Some writers add a zone ("+0100") after the year; asctime itself is local time without one, taken as UTC.
        var offset = TimeSpan.Zero;
        var last = parts[^1];
        if (last.Length == 5 && last[0] is '+' or '-' && int.TryParse(last.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var hhmm))
        {
            offset = new TimeSpan(hhmm / 100, hhmm % 100, 0) * (last[0] == '-' ? -1 : 1);
            parts = parts[..^1];
        }

        var date = string.Join(' ', parts.Skip(2));
        return DateTime.TryParseExact(date, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
            ? new DateTimeOffset(parsed, offset)
            : null;
    }

    private static ReadOnlySpan<byte> TrimLineEnd(ReadOnlySpan<byte> line)
    {
        if (line.EndsWith("\n"u8))
        {
            line = line[..^1];
        }

        return line.EndsWith("\r"u8) ? line[..^1] : line;
    }

    /// <summary>Whether a line is "From " after any number of "&gt;" (mboxrd quotes each such line once more).</summary>
    private static bool IsQuotedFrom(ReadOnlySpan<byte> line) => line.TrimStart((byte)'>').StartsWith(FromSpace);

    /// <summary>One message's lines as they are read: metadata fields taken out of the header, the rest written with CRLF.</summary>
    private sealed class MessageReader
    {
        private readonly MemoryStream _content = new();
        private readonly HashSet<string> _keywords = new(StringComparer.OrdinalIgnoreCase);
        private SystemFlags _system;
        private bool _inMetadataField;

        public bool InBody { get; private set; }

        public DateTimeOffset? Date { get; private set; }

        public MessageFlags Flags => new(_system, _keywords);

        public void Add(ReadOnlySpan<byte> line)
        {
            if (!InBody && TakeHeaderLine(line))
            {
                return;
            }

            _content.Write(line);
            _content.Write("\r\n"u8);
        }

        public MemoryStream Finish()
        {
            _content.Position = 0;
            return _content;
        }

        /// <summary>True when the header line is (part of) a metadata field, which is kept out of the message.</summary>
        private bool TakeHeaderLine(ReadOnlySpan<byte> line)
        {
            if (line.IsEmpty)
            {
                InBody = true;
                return false;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                return _inMetadataField;
            }

            var colon = line.IndexOf((byte)':');
            _inMetadataField = false;
            if (colon <= 0)
            {
                return false;
            }

            var name = Encoding.Latin1.GetString(line[..colon]).TrimEnd();
            var value = Encoding.Latin1.GetString(line[(colon + 1)..]).Trim();
            if (name.Equals("Date", StringComparison.OrdinalIgnoreCase) && DateUtils.TryParse(value, out var date))
            {
                Date = date;
            }

            if (!MboxStatusFields.IsMetadata(name))
            {
                return false;
            }

            _inMetadataField = true;
            (_system, var keywords) = MboxStatusFields.Apply(name, value, _system);
            _keywords.UnionWith(keywords.Where(ArchiveKeywords.IsValid));
            return true;
        }
    }
}
