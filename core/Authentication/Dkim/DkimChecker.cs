using System.Globalization;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace MailCloud.Core.Authentication.Dkim;

/// <summary>
/// Verifies the DKIM-Signature headers of a message (RFC 6376 §6, Ed25519 per RFC 8463) with
/// MimeKit's <see cref="DkimVerifier"/>, after the checks MimeKit leaves to us (tags, times, key
/// record), and names each outcome as RFC 8601 does (see <see cref="DkimResult"/>). Costs one TXT
/// query per signature, for at most <see cref="MaxSignatures"/> signatures.
/// </summary>
public sealed class DkimChecker(DkimKeyLocator keys, TimeProvider time)
{
    /// <summary>Signatures beyond this many are not looked at (each costs a DNS query).</summary>
    public const int MaxSignatures = 5;

    /// <summary>Clock skew allowed for t= (RFC 6376 §3.5 leaves the allowance to the verifier).</summary>
    public static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(5);

    private const int MinimumRsaKeyBits = 1024;

    public async Task<IReadOnlyList<DkimCheck>> VerifyAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var signatures = message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(MaxSignatures).ToList();
        var checks = new List<DkimCheck>(signatures.Count);
        foreach (var signature in signatures)
        {
            checks.Add(await VerifyAsync(message, signature, cancellationToken).ConfigureAwait(false));
        }

        return checks;
    }

    private async Task<DkimCheck> VerifyAsync(MimeMessage message, Header header, CancellationToken cancellationToken)
    {
        if (!TagValueList.TryParse(header.Value, out var tags))
        {
            return new DkimCheck(DkimResult.Neutral, "", Reason: "malformed DKIM-Signature");
        }

        var domain = tags["d"] ?? "";
        var selector = tags["s"];
        var b = Unfold(tags["b"]);
        var check = new DkimCheck(DkimResult.Neutral, domain, selector, tags["i"], b is { Length: > 0 } ? b[..Math.Min(b.Length, 12)] : null);
        if (Refuse(tags, domain) is { } refusal)
        {
            return check with { Result = refusal.Result, Reason = refusal.Reason };
        }

        var lookup = await keys.LookupAsync(domain, selector!, cancellationToken).ConfigureAwait(false);
        switch (lookup)
        {
            case DkimKeyLookup.TemporaryFailure failure:
                return check with { Result = DkimResult.TempError, Reason = failure.Reason };
            case DkimKeyLookup.Unusable unusable:
                return check with { Result = DkimResult.PermError, Reason = unusable.Reason };
            case DkimKeyLookup.Revoked:
                // RFC 6376 §6.1.2 step 6: treated as a failed signature check.
                return check with { Result = DkimResult.Fail, Reason = "key revoked" };
        }

        var found = (DkimKeyLookup.Found)lookup;
        if (RefuseKey(tags, found) is { } keyRefusal)
        {
            return check with { Result = keyRefusal.Result, Reason = keyRefusal.Reason };
        }

        var verifier = new BodyHashAwareVerifier(found.Key);
        try
        {
            if (!await verifier.VerifyAsync(message, header, cancellationToken).ConfigureAwait(false))
            {
                var bodyMatches = verifier.BodyHashMatches(message, tags, wholeBody: false);
                return check with { Result = DkimResult.Fail, Reason = bodyMatches ? "signature did not verify" : "body hash did not verify" };
            }

            // RFC 6376 §8.2: with l= anything may be appended unsigned; we do not vouch for that.
            if (tags.Contains("l") && !verifier.BodyHashMatches(message, tags, wholeBody: true))
            {
                return check with { Result = DkimResult.Policy, Reason = "unsigned content after l=" };
            }
        }
        catch (FormatException ex)
        {
            return check with { Result = DkimResult.Neutral, Reason = ex.Message };
        }

        return check with { Result = DkimResult.Pass, Reason = null };
    }

    /// <summary>The checks of RFC 6376 §6.1.1 and RFC 8301 that need no DNS.</summary>
    private (DkimResult Result, string Reason)? Refuse(TagValueList tags, string domain)
    {
        foreach (var required in new[] { "v", "a", "b", "bh", "d", "h", "s" })
        {
            if (string.IsNullOrEmpty(tags[required]))
            {
                return (DkimResult.Neutral, $"signature lacks {required}=");
            }
        }

        if (tags["v"] != "1")
        {
            return (DkimResult.Neutral, $"unknown version v={tags["v"]}");
        }

        switch (tags["a"]!.ToLowerInvariant())
        {
            case "rsa-sha256" or "ed25519-sha256":
                break;
            case "rsa-sha1":
                // RFC 8301 §3.1: rsa-sha1 signatures must not be treated as valid.
                return (DkimResult.Policy, "rsa-sha1 is not accepted (RFC 8301)");
            default:
                return (DkimResult.Neutral, $"unknown algorithm a={tags["a"]}");
        }

        if (!Unfold(tags["h"])!.Split(':').Any(h => h.Trim().Equals("from", StringComparison.OrdinalIgnoreCase)))
        {
            return (DkimResult.Neutral, "From is not signed");
        }

        if (tags["i"] is { } identity && !IsWithin(identity[(identity.LastIndexOf('@') + 1)..], domain))
        {
            return (DkimResult.Neutral, "i= is not within d=");
        }

        if (!TryTime(tags["t"], out var signedAt) || !TryTime(tags["x"], out var expiresAt) || signedAt is { } t && expiresAt is { } x && x < t)
        {
            return (DkimResult.Neutral, "bad t= or x=");
        }

        var now = time.GetUtcNow();
        if (expiresAt < now)
        {
            return (DkimResult.Policy, "signature expired");
        }

        if (signedAt > now + AllowedClockSkew)
        {
            return (DkimResult.Policy, "signature timestamp in the future");
        }

        return null;
    }

    /// <summary>RFC 6376 §3.6.1 key tags against the signature; RFC 8301 §3.2 key sizes.</summary>
    private static (DkimResult Result, string Reason)? RefuseKey(TagValueList signature, DkimKeyLookup.Found key)
    {
        var algorithm = signature["a"]!.ToLowerInvariant();
        var keyType = (key.Tags["k"] ?? "rsa").ToLowerInvariant();
        if (!algorithm.StartsWith(keyType + "-", StringComparison.Ordinal))
        {
            return (DkimResult.PermError, $"key type k={keyType} does not fit a={algorithm}");
        }

        if (key.Tags["h"] is { } hashes && !hashes.Split(':').Any(h => h.Trim().Equals("sha256", StringComparison.OrdinalIgnoreCase)))
        {
            return (DkimResult.PermError, "the key does not allow sha256");
        }

        if (key.Tags["s"] is { } services && !services.Split(':').Any(s => s.Trim() is "*" or "email"))
        {
            return (DkimResult.PermError, "the key is not for email");
        }

        // t=s: the i= domain must be d= itself, not a subdomain.
        if (key.Tags["t"] is { } flags && flags.Split(':').Any(f => f.Trim() == "s") && signature["i"] is { } identity
            && !identity[(identity.LastIndexOf('@') + 1)..].Equals(signature["d"], StringComparison.OrdinalIgnoreCase))
        {
            return (DkimResult.PermError, "the key requires i= in d= itself (t=s)");
        }

        if (key.Key is RsaKeyParameters rsa && rsa.Modulus.BitLength < MinimumRsaKeyBits)
        {
            return (DkimResult.Policy, $"RSA key of {rsa.Modulus.BitLength} bits (RFC 8301 requires {MinimumRsaKeyBits})");
        }

        return null;
    }

    private static bool TryTime(string? value, out DateTimeOffset? time)
    {
        time = null;
        if (value is null)
        {
            return true;
        }

        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253402300799)
        {
            return false;
        }

        time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    private static bool IsWithin(string name, string domain) =>
        name.Equals(domain, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

    private static string? Unfold(string? value) => value is null ? null : string.Concat(value.Where(c => !char.IsWhiteSpace(c)));

    /// <summary>MimeKit's verifier with the key already fetched, and a way to ask about the body hash alone.</summary>
    private sealed class BodyHashAwareVerifier : DkimVerifier
    {
        // DKIM hashes CRLF line endings (RFC 6376 §3.4), whatever the platform's default.
        private static readonly FormatOptions CanonicalFormat = new() { NewLineFormat = NewLineFormat.Dos };

        public BodyHashAwareVerifier(AsymmetricKeyParameter key)
            : base(new FixedKeyLocator(key))
        {
            MinimumRsaKeyLength = MinimumRsaKeyBits;
            Enable(DkimSignatureAlgorithm.Ed25519Sha256);
        }

        public bool BodyHashMatches(MimeMessage message, TagValueList tags, bool wholeBody)
        {
            var algorithm = tags["a"]!.Equals("ed25519-sha256", StringComparison.OrdinalIgnoreCase) ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256;
            var canonicalization = tags["c"] is { } c && c.Contains('/', StringComparison.Ordinal) && c[(c.IndexOf('/') + 1)..].Trim().Equals("relaxed", StringComparison.OrdinalIgnoreCase)
                ? DkimCanonicalizationAlgorithm.Relaxed
                : DkimCanonicalizationAlgorithm.Simple;
            var length = !wholeBody && int.TryParse(tags["l"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : -1;
            return VerifyBodyHash(CanonicalFormat, message, algorithm, canonicalization, length, Unfold(tags["bh"])!);
        }
    }

    private sealed class FixedKeyLocator(AsymmetricKeyParameter key) : IDkimPublicKeyLocator
    {
        public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) => key;

        public Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) => Task.FromResult(key);
    }
}
