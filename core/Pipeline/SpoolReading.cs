using MailCloud.Core.IO;
using MailCloud.Core.Spool;
using MimeKit;

namespace MailCloud.Core.Pipeline;

/// <summary>Reading spooled messages with MimeKit, streaming from the blob.</summary>
internal static class SpoolReading
{
    /// <summary>
    /// What one ranged read takes from a spool blob's start: all of most mail, and the whole header
    /// section of nearly all (Smtp:MaxHeaderSize allows more; such a header is then read again, streamed).
    /// </summary>
    public const int HeadBytes = 64 * 1024;

    /// <summary>The message's header block and its blob's first bytes, in one ranged read for all but huge headers.</summary>
    public static async Task<(HeaderList Headers, SpoolHead Head)> ReadHeadAndHeadersAsync(this ISpool spool, string spoolBlob, CancellationToken cancellationToken)
    {
        var head = await spool.ReadHeadAsync(spoolBlob, HeadBytes, cancellationToken).ConfigureAwait(false);
        if (!head.IsWhole && !HeaderSection.EndsWithin(head.Bytes.Span))
        {
            return (await spool.ReadHeadersAsync(spoolBlob, cancellationToken).ConfigureAwait(false), head);
        }

        using var bytes = new MemoryStream(head.Bytes.ToArray(), writable: false);
        var parser = new MimeParser(bytes, MimeFormat.Entity);
        return (await parser.ParseHeadersAsync(cancellationToken).ConfigureAwait(false), head);
    }

    /// <summary>The message's header block only; the body is never downloaded past the first buffer.</summary>
    public static async Task<HeaderList> ReadHeadersAsync(this ISpool spool, string spoolBlob, CancellationToken cancellationToken)
    {
        await using var stream = await spool.OpenReadAsync(spoolBlob, cancellationToken).ConfigureAwait(false);
        var parser = new MimeParser(stream, MimeFormat.Entity);
        return await parser.ParseHeadersAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<MimeMessage> ReadMessageAsync(this ISpool spool, string spoolBlob, CancellationToken cancellationToken)
    {
        await using var stream = await spool.OpenReadAsync(spoolBlob, cancellationToken).ConfigureAwait(false);
        return await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a message we generated (DSN, list copy) as a spool blob. Its id is derived from what
    /// it is, so a stage that runs twice writes the same blob: the second commit finds the first
    /// one there and uses it.
    /// </summary>
    public static async Task<(string SpoolBlob, long Size)> WriteAsync(this ISpool spool, string messageId, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        await using var writer = await spool.CreateAsync(messageId, cancellationToken).ConfigureAwait(false);
        await write(writer.Content, cancellationToken).ConfigureAwait(false);
        var written = writer.Content.Length;
        try
        {
            return (writer.SpoolBlob, await writer.CommitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (SpoolMessageExistsException)
        {
            return (writer.SpoolBlob, written);
        }
    }
}
