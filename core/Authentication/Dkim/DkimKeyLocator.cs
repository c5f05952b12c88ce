using MailCloud.Core.Authentication.Dns;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace MailCloud.Core.Authentication.Dkim;

/// <summary>What a key lookup found (RFC 6376 §3.6.2, §6.1.2).</summary>
public abstract record DkimKeyLookup
{
    public sealed record Found(AsymmetricKeyParameter Key, TagValueList Tags) : DkimKeyLookup;

    /// <summary>p= is empty (RFC 6376 §3.6.1).</summary>
    public sealed record Revoked : DkimKeyLookup;

    /// <summary>No record, or none that parses as a key record.</summary>
    public sealed record Unusable(string Reason) : DkimKeyLookup;

    public sealed record TemporaryFailure(string Reason) : DkimKeyLookup;
}

/// <summary>
/// DKIM public keys from TXT records at &lt;selector&gt;._domainkey.&lt;domain&gt; through
/// <see cref="IDnsResolver"/>; MimeKit's <see cref="DkimVerifier"/> and <see cref="ArcVerifier"/> use it
/// as their <see cref="IDkimPublicKeyLocator"/>.
/// </summary>
public sealed class DkimKeyLocator(IDnsResolver dns) : DkimPublicKeyLocatorBase
{
    public async Task<DkimKeyLookup> LookupAsync(string domain, string selector, CancellationToken cancellationToken)
    {
        var name = $"{selector}._domainkey.{domain.TrimEnd('.')}";
        var txt = await dns.GetTxtAsync(name, cancellationToken).ConfigureAwait(false);
        if (txt.IsTemporaryFailure)
        {
            return new DkimKeyLookup.TemporaryFailure(txt.Error ?? $"TXT {name} failed");
        }

        if (txt.Records.Count == 0)
        {
            return new DkimKeyLookup.Unusable($"no key at {name}");
        }

        // §3.6.2.2: with several records a verifier may try each; the first usable one wins.
        foreach (var record in txt.Records)
        {
            if (!TagValueList.TryParse(record, out var tags) || tags["p"] is not { } p || tags["v"] is { } v && v != "DKIM1")
            {
                continue;
            }

            if (p.Length == 0)
            {
                return new DkimKeyLookup.Revoked();
            }

            try
            {
                return new DkimKeyLookup.Found(GetPublicKey(record), tags);
            }
            catch (ParseException)
            {
                continue;
            }
        }

        return new DkimKeyLookup.Unusable($"no usable key record at {name}");
    }

    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        await LookupAsync(domain, selector, cancellationToken).ConfigureAwait(false) switch
        {
            DkimKeyLookup.Found found => found.Key,
            DkimKeyLookup.Revoked => throw new ParseException($"the key {selector}._domainkey.{domain} is revoked", 0, 0),
            DkimKeyLookup.Unusable unusable => throw new ParseException(unusable.Reason, 0, 0),
            DkimKeyLookup.TemporaryFailure failure => throw new TimeoutException(failure.Reason),
            _ => throw new InvalidOperationException(),
        };
}
