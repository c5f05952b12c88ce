using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// The BODYSTRUCTURE and BODY answers of messages, as written, shared by every session of the
/// gateway: a client asking again (or many clients asking) costs no blob read and no MIME parse.
/// Like <see cref="MessageHeaderCache"/>, keyed by (account, UIDVALIDITY, UID), which names the
/// same bytes forever, and by the form (extended or not, UTF-8 or not). Bounded by
/// <see cref="ImapOptions.BodyStructureCacheBytes"/>.
/// </summary>
internal sealed class BodyStructureCache : IDisposable
{
    private readonly MemoryCache _cache;

    public BodyStructureCache(IOptions<ImapOptions> options)
    {
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.BodyStructureCacheBytes });
    }

    public byte[]? Find(BodyStructureKey key) => _cache.TryGetValue(key, out byte[]? answer) ? answer : null;

    public void Add(BodyStructureKey key, byte[] answer) =>
        _cache.Set(key, answer, new MemoryCacheEntryOptions { Size = answer.Length });

    public void Dispose() => _cache.Dispose();
}

/// <summary>Which message, and which form of its structure: BODYSTRUCTURE (extended) or BODY, with or without UTF-8 strings.</summary>
internal readonly record struct BodyStructureKey(string AccountId, uint UidValidity, uint Uid, bool Extended, bool Utf8);
