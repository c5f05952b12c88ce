using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace MailCloud.Core.Tests.Authentication.Dkim;

/// <summary>
/// A minimal rsa-sha256, relaxed/relaxed DKIM signer written from RFC 6376 §3.4 and §3.7 for the
/// one thing MimeKit's signer does not do: l= (body length). Independent of the verifier under test.
/// </summary>
public static partial class LengthLimitedSigner
{
    public static string Sign(string message, RSA key, string domain, string selector, int length)
    {
        var split = message.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = message[..(split + 2)];
        var body = CanonicalBody(message[(split + 4)..]);
        var bodyHash = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(body[..length])));
        var value = $"v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s={selector}; l={length}; h=from:subject; bh={bodyHash}; b=";
        var signed = new StringBuilder()
            .Append(CanonicalHeader(headers, "From"))
            .Append(CanonicalHeader(headers, "Subject"))
            .Append(Canonical("DKIM-Signature", value).TrimEnd('\r', '\n'))
            .ToString();
        var signature = key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"DKIM-Signature: {value}{Convert.ToBase64String(signature)}\r\n{message}";
    }

    /// <summary>The length of the relaxed canonical form of a body.</summary>
    public static int CanonicalLength(string body) => CanonicalBody(body).Length;

    private static string CanonicalBody(string body)
    {
        var lines = body.Split("\r\n").Select(line => Whitespace().Replace(line, " ").TrimEnd(' ')).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines.Count == 0 ? "" : string.Join("\r\n", lines) + "\r\n";
    }

    private static string CanonicalHeader(string headers, string name)
    {
        var match = Regex.Match(headers, $@"^{name}:(?<value>.*(?:\r\n[ \t].*)*)\r\n", RegexOptions.Multiline | RegexOptions.IgnoreCase);
        return Canonical(name, match.Groups["value"].Value);
    }

    private static string Canonical(string name, string value) =>
        $"{name.ToLowerInvariant()}:{Whitespace().Replace(value.Replace("\r\n", ""), " ").Trim()}\r\n";

    [GeneratedRegex("[ \t]+")]
    private static partial Regex Whitespace();
}
