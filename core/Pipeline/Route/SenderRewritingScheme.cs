using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Route;

/// <summary>
/// The Sender Rewriting Scheme (SRS0, after Shevek's "Sender Rewriting Scheme" paper): mail we
/// forward to a remote address leaves with MAIL FROM <c>SRS0=HHHH=TT=domain=local@forwarding-domain</c>,
/// so the receiver's SPF check (RFC 7208) evaluates our domain, not the original sender's.
/// Bounces to that address come back to us and are reversed to the original sender.
/// HHHH is a base32 HMAC-SHA256 of TT, domain and local part (case-insensitive, as some MTAs
/// lower-case local parts); TT is days since the epoch modulo 1024 in base32.
/// </summary>
public sealed class SenderRewritingScheme(IOptions<PipelineOptions> options, TimeProvider time)
{
    private const string Tag = "SRS0=";
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.SrsSecret);
    private readonly TimeSpan _maxAge = options.Value.SrsMaxAge;

    /// <summary>The reverse-path to use when forwarding mail from <paramref name="mailFrom"/> through <paramref name="forwardingDomain"/>.</summary>
    public string Forward(string mailFrom, string forwardingDomain)
    {
        var at = mailFrom.LastIndexOf('@');
        if (mailFrom.Length == 0 || at <= 0)
        {
            return mailFrom;
        }

        var local = mailFrom[..at];
        var domain = mailFrom[(at + 1)..];
        var timestamp = Timestamp(Today());
        return $"{Tag}{Hash(timestamp, domain, local)}={timestamp}={domain}={local}@{forwardingDomain}";
    }

    /// <summary>The original sender of an SRS0 address we made, if its hash checks and it has not expired.</summary>
    public bool TryReverse(string address, [NotNullWhen(true)] out string? original)
    {
        original = null;
        var at = address.LastIndexOf('@');
        if (at <= Tag.Length || !address.StartsWith(Tag, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var parts = address[Tag.Length..at].Split('=', 4);
        if (parts.Length != 4 || parts[1].Length != 2 || parts.Any(p => p.Length == 0))
        {
            return false;
        }

        var (hash, timestamp, domain, local) = (parts[0], parts[1].ToUpperInvariant(), parts[2], parts[3]);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hash.ToUpperInvariant()), Encoding.ASCII.GetBytes(Hash(timestamp, domain, local))))
        {
            return false;
        }

        if (timestamp.Any(c => Base32.IndexOf(c) < 0))
        {
            return false;
        }

        var stamped = Base32.IndexOf(timestamp[0]) * 32 + Base32.IndexOf(timestamp[1]);
        if ((Today() - stamped + 1024) % 1024 > _maxAge.TotalDays)
        {
            return false;
        }

        original = $"{local}@{domain}";
        return true;
    }

    private int Today() => (int)(time.GetUtcNow().ToUnixTimeSeconds() / 86400 % 1024);

    private static string Timestamp(int day) => $"{Base32[day / 32]}{Base32[day % 32]}";

    private string Hash(string timestamp, string domain, string local)
    {
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{timestamp}{domain.ToLowerInvariant()}{local.ToLowerInvariant()}"));
        // 20 bits of the MAC in four base32 characters.
        var bits = (mac[0] << 12) | (mac[1] << 4) | (mac[2] >> 4);
        return new string([Base32[(bits >> 15) & 31], Base32[(bits >> 10) & 31], Base32[(bits >> 5) & 31], Base32[bits & 31]]);
    }
}
