using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailCloud.Core.Certificates;

namespace MailCloud.Core.Tests.Certificates;

/// <summary>Renewal is due with no certificate, with one that misses a configured name, and once two thirds of its lifetime have passed.</summary>
public sealed class RenewalPolicyTests
{
    private static readonly DateTimeOffset Issued = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_90_day_certificate_is_due_from_day_60()
    {
        using var certificate = Certificate("mail.example.com", Issued, Issued.AddDays(90));
        string[] hosts = ["mail.example.com"];
        Assert.Equal(Issued.AddDays(60), RenewalPolicy.RenewalTime(certificate));
        Assert.False(RenewalPolicy.IsDue(certificate, hosts, Issued.AddDays(60).AddSeconds(-1)));
        Assert.True(RenewalPolicy.IsDue(certificate, hosts, Issued.AddDays(60)));
        Assert.True(RenewalPolicy.IsDue(certificate, hosts, Issued.AddDays(100)));
    }

    [Fact]
    public void No_certificate_or_a_name_it_does_not_cover_is_due_at_once()
    {
        using var certificate = Certificate("mail.example.com", Issued, Issued.AddDays(90));
        Assert.True(RenewalPolicy.IsDue(null, ["mail.example.com"], Issued));
        Assert.True(RenewalPolicy.IsDue(certificate, ["mail.example.com", "smtp.example.com"], Issued.AddDays(1)));
        Assert.False(RenewalPolicy.IsDue(certificate, ["MAIL.example.com"], Issued.AddDays(1)));
    }

    private static X509Certificate2 Certificate(string host, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(notBefore, notAfter);
    }
}
