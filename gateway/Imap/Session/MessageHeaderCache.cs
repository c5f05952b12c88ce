using MailCloud.Core.Mailboxes;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// Parsed headers of messages, shared by every session of the gateway, so SEARCH by FROM, SUBJECT
/// or any header reads a message blob once rather than on every search (Dovecot keeps a cache file
/// for the same reason). Messages never change once stored, and a UIDVALIDITY is never reused within
/// an account, so (account, UIDVALIDITY, UID) names the same bytes for as long as it exists.
/// Bounded by <see cref="ImapOptions.HeaderCacheBytes"/>.
/// </summary>
internal sealed class MessageHeaderCache : IDisposable
{
    /// <summary>How much of a message is read to find its header; a longer header is read whole.</summary>
    private const int HeaderReadLength = 64 * 1024;

    private readonly MemoryCache _cache;

    public MessageHeaderCache(IOptions<ImapOptions> options)
    {
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.HeaderCacheBytes });
    }

    /// <summary>A message holding only the header of <paramref name="message"/>; null when the message was expunged meanwhile.</summary>
    public async Task<MimeMessage?> GetAsync(IMailboxStore store, string accountId, string folder, uint uidValidity, MessageSummary message, CancellationToken cancellationToken)
    {
        var key = (accountId, uidValidity, message.Uid);
        if (!_cache.TryGetValue(key, out byte[]? header))
        {
            header = await ReadHeaderAsync(store, message, cancellationToken).ConfigureAwait(false);
            if (header is null)
            {
                return null;
            }

            _cache.Set(key, header, new MemoryCacheEntryOptions { Size = header.Length });
        }

        try
        {
            return await MimeMessage.LoadAsync(new MemoryStream(header!, writable: false), cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException)
        {
            // Not a header at all (APPEND stores any octets): the message has no header fields.
            var unparsable = new MimeMessage();
            unparsable.Headers.Clear();
            return unparsable;
        }
    }

    public void Dispose() => _cache.Dispose();

    /// <summary>The raw header block, up to and including the empty line that ends it.</summary>
    private static async Task<byte[]?> ReadHeaderAsync(IMailboxStore store, MessageSummary message, CancellationToken cancellationToken)
    {
        if (message.Size == 0)
        {
            return [];
        }

        try
        {
            var head = await ReadAsync(store, message, Math.Min(message.Size, HeaderReadLength), cancellationToken).ConfigureAwait(false);
            if (head.Length < message.Size && HeaderLength(head) < 0)
            {
                head = await ReadAsync(store, message, null, cancellationToken).ConfigureAwait(false);
            }

            var length = HeaderLength(head);
            return length < 0 ? head : head[..length];
        }
        catch (MessageNotFoundException)
        {
            return null;
        }
    }

    private static async Task<byte[]> ReadAsync(IMailboxStore store, MessageSummary message, long? length, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using (var content = await store.OpenMessageAsync(message, 0, length, cancellationToken).ConfigureAwait(false))
        {
            await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        return buffer.ToArray();
    }

    /// <summary>Where the header ends: just past the empty line that ends it (RFC 5322 §2.1), or -1.</summary>
    private static int HeaderLength(ReadOnlySpan<byte> bytes)
    {
        var crlf = bytes.IndexOf("\r\n\r\n"u8);
        var lf = bytes.IndexOf("\n\n"u8);
        return crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    }
}
