using System.Security.Cryptography;
using System.Text;
using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Lists;

/// <summary>What a member token authorises; a token for one purpose is worthless for the other.</summary>
public enum ListTokenPurpose
{
    /// <summary>One-click unsubscribe (RFC 8058), by HTTPS POST or by mail to <c>-unsubscribe+token@</c>.</summary>
    Unsubscribe,

    /// <summary>The VERP envelope sender <c>-bounces+token@</c>: a bounce to it is about that member.</summary>
    Bounce,
}

/// <summary>
/// Tokens that stand for a member of a list without a login. A member token is an HMAC of purpose, list and
/// member under a key derived from the pipeline's SRS secret (both the pipeline and the HTTP surface have it),
/// cut to 80 bits and written in lower-case base32 so it fits a local part (RFC 5321 §4.5.3.1.1: 64 octets)
/// and survives case folding. It names no address, so it is found by trying the list's members.
/// One-time tokens (confirmations) are random and mean something only while a stored request holds them.
/// </summary>
public sealed class ListTokens
{
    public const int TokenLength = 16;

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    private readonly byte[] _key;

    public ListTokens(IOptions<PipelineOptions> options)
    {
        _key = HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.SrsSecret), "mailcloud list member tokens v1"u8);
    }

    public string ForMember(ListTokenPurpose purpose, string listAddress, string member)
    {
        var input = Encoding.UTF8.GetBytes($"{purpose}\n{EmailAddress.Parse(listAddress).Key}\n{EmailAddress.Parse(member).Key}");
        return Base32(HMACSHA256.HashData(_key, input).AsSpan(0, 10));
    }

    /// <summary>The member of <paramref name="list"/> whose token for <paramref name="purpose"/> is <paramref name="token"/>, or null.</summary>
    public string? FindMember(ListTokenPurpose purpose, DistributionList list, string token)
    {
        var presented = Encoding.ASCII.GetBytes(token.ToLowerInvariant());
        return list.Members.FirstOrDefault(member =>
            CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(ForMember(purpose, list.Address, member)), presented));
    }

    /// <summary>A fresh random token for a one-time request.</summary>
    public static string NewOneTimeToken() => Base32(RandomNumberGenerator.GetBytes(10));

    /// <summary>True when <paramref name="token"/> could be a token (so junk is refused before any lookup).</summary>
    public static bool IsWellFormed(string? token) =>
        token is { Length: TokenLength } && token.All(c => Alphabet.Contains(char.ToLowerInvariant(c)));

    private static string Base32(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return text.ToString();
    }
}
