using System.Security.Cryptography.X509Certificates;

namespace MailCloud.Core.Certificates;

/// <summary>
/// When a certificate is renewed: when there is none, when it does not cover every configured host
/// name, or when less than a third of its lifetime remains (Let's Encrypt's advice: day 60 of 90).
/// </summary>
public static class RenewalPolicy
{
    public static bool IsDue(X509Certificate2? certificate, IReadOnlyCollection<string> hostNames, DateTimeOffset now) =>
        certificate is null
        || !hostNames.All(name => certificate.MatchesHostname(name, allowWildcards: false))
        || now >= RenewalTime(certificate);

    /// <summary>The moment two thirds of the lifetime have passed.</summary>
    public static DateTimeOffset RenewalTime(X509Certificate2 certificate)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return notAfter - (notAfter - notBefore) / 3;
    }
}
