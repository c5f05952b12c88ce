using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Directory.Passwords;

/// <summary>
/// Remembers, for a few minutes, that a password was verified against an account's current hash
/// (like Dovecot's auth_cache): mail clients log in constantly and one PBKDF2 check costs about
/// 0.3 s of CPU. The password itself is never kept, only its HMAC-SHA256 under a key that exists
/// in this process alone; an entry is void once the account's stored hash changes.
/// </summary>
public sealed class VerifiedCredentialCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;

    public VerifiedCredentialCache(IOptions<DirectoryOptions> options, TimeProvider time)
    {
        _time = time;
        _lifetime = options.Value.VerifiedCredentialLifetime;
    }

    /// <summary>True when this password was verified against exactly <see cref="Account.PasswordHash"/> within the lifetime.</summary>
    public bool IsVerified(Account account, string password)
    {
        if (!_entries.TryGetValue(account.Id, out var entry))
        {
            return false;
        }

        if (entry.ExpiresAt <= _time.GetUtcNow() || !string.Equals(entry.PasswordHash, account.PasswordHash, StringComparison.Ordinal))
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(account.Id, entry));
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(entry.PasswordMac, Mac(password));
    }

    public void Remember(Account account, string password)
    {
        if (_lifetime > TimeSpan.Zero)
        {
            _entries[account.Id] = new Entry(Mac(password), account.PasswordHash, _time.GetUtcNow() + _lifetime);
        }
    }

    private byte[] Mac(string password) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(password));

    private sealed record Entry(byte[] PasswordMac, string PasswordHash, DateTimeOffset ExpiresAt);
}
