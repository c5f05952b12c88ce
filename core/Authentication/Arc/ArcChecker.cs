using MailCloud.Core.Authentication.Dkim;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace MailCloud.Core.Authentication.Arc;

/// <summary>RFC 8617 §10.2: the "arc" method's results.</summary>
public enum ArcResult
{
    None,
    Pass,
    Fail,
}

/// <param name="Instances">How many ARC sets the message carries (the highest i=).</param>
/// <param name="Reason">Why it failed, or why there is no result.</param>
public sealed record ArcCheck(ArcResult Result, int Instances, string? Reason = null);

/// <summary>
/// Verifies the ARC chain (RFC 8617 §5.2) with MimeKit's <see cref="ArcVerifier"/>, keys from DNS as
/// for DKIM. The result is recorded in Authentication-Results and changes no policy decision: DMARC's
/// verdict stands, since trusting a sealer is a choice about who sealed, which we do not make yet.
/// </summary>
public sealed class ArcChecker(DkimKeyLocator keys)
{
    /// <summary>RFC 8617 §4.2.1: more than 50 sets is a failed chain.</summary>
    public const int MaxInstances = 50;

    public async Task<ArcCheck> VerifyAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var instances = message.Headers.Count(h => h.Id == HeaderId.ArcSeal);
        if (instances == 0)
        {
            return new ArcCheck(ArcResult.None, 0);
        }

        if (instances > MaxInstances)
        {
            return new ArcCheck(ArcResult.Fail, instances, $"more than {MaxInstances} ARC sets");
        }

        var locator = new WatchedLocator(keys);
        var result = await new ArcVerifier(locator).VerifyAsync(message, cancellationToken).ConfigureAwait(false);
        return result.Chain switch
        {
            ArcSignatureValidationResult.Pass => new ArcCheck(ArcResult.Pass, instances),
            // MimeKit counts a key it could not fetch as a failed signature; a DNS timeout is no verdict
            // on the chain, so it gives no result rather than a failure (RFC 8617 has no temperror).
            ArcSignatureValidationResult.Fail when locator.TemporaryFailure is { } reason => new ArcCheck(ArcResult.None, instances, reason),
            ArcSignatureValidationResult.Fail => new ArcCheck(ArcResult.Fail, instances, "chain did not validate"),
            _ => new ArcCheck(ArcResult.None, instances),
        };
    }

    /// <summary>The DKIM key locator, remembering whether a lookup failed for a temporary reason.</summary>
    private sealed class WatchedLocator(DkimKeyLocator keys) : DkimPublicKeyLocatorBase
    {
        public string? TemporaryFailure { get; private set; }

        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

        public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        {
            try
            {
                return await keys.LocatePublicKeyAsync(methods, domain, selector, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                TemporaryFailure = ex.Message;
                throw;
            }
        }
    }
}
