using MailCloud.Core.IO;
using MailCloud.Core.Pipeline;
using MimeKit;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// A forward-only view of a message being uploaded that counts its bytes (the stored size) and
/// keeps a copy of its header section (up to <see cref="MaxHeaderBytes"/>), so the header fields
/// SEARCH needs go into the message row without reading the blob back.
/// </summary>
internal sealed class HeaderCaptureStream(Stream inner) : ForwardOnlyReadStream
{
    /// <summary>Header bytes kept; a longer header is cut there and its fields marked truncated.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    private static readonly string[] SearchedFields = ["From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "In-Reply-To", "References"];

    private readonly MemoryStream _header = new();
    private bool _headerComplete;

    public override int Read(Span<byte> buffer) => Capture(buffer[..inner.Read(buffer)]);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Capture(buffer.Span[..read]);
    }

    /// <summary>The searched header fields of a message's first bytes (<paramref name="prefix"/>, then <paramref name="head"/>).</summary>
    public static async Task<SearchHeaders?> ParseAsync(ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte> head, CancellationToken cancellationToken)
    {
        await using var capture = new HeaderCaptureStream(new PrefixedStream(prefix, new MemoryStream(head.ToArray(), writable: false)));
        await capture.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        return capture.ParseHeaders();
    }

    /// <summary>The searched header fields of what was read, or null when there was no parsable header.</summary>
    public SearchHeaders? ParseHeaders()
    {
        _header.Position = 0;
        HeaderList headers;
        try
        {
            headers = HeaderList.Load(_header);
        }
        catch (FormatException)
        {
            return null;
        }

        var truncated = !_headerComplete;
        string? Field(string name)
        {
            if (!headers.Contains(name))
            {
                return null;
            }

            var value = headers[name] ?? "";
            if (value.Length <= MessageRow.MaxHeaderChars)
            {
                return value;
            }

            truncated = true;
            return value[..MessageRow.MaxHeaderChars];
        }

        var values = SearchedFields.Select(Field).ToArray();
        return new SearchHeaders(values[0], values[1], values[2], values[3], values[4], values[5], values[6], truncated) { InReplyTo = values[7], References = values[8] };
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _header.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Capture(ReadOnlySpan<byte> read)
    {
        BytesRead += read.Length;
        if (!_headerComplete && _header.Length < MaxHeaderBytes)
        {
            var start = (int)_header.Length;
            _header.Write(read[..Math.Min(read.Length, MaxHeaderBytes - start)]);
            _headerComplete = FindHeaderEnd(Math.Max(0, start - 3));
        }

        return read.Length;
    }

    private bool FindHeaderEnd(int from) =>
        HeaderSection.EndsWithin(_header.GetBuffer().AsSpan(from, (int)_header.Length - from));
}
