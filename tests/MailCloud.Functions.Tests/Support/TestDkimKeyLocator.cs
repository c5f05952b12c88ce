using System.Security.Cryptography;
using MimeKit.Cryptography;

namespace MailCloud.Functions.Tests.Support;

/// <summary>Answers DKIM key queries with the test key, as the TXT record s1._domainkey.example.test would.</summary>
public sealed class TestDkimKeyLocator(RSA key) : DkimPublicKeyLocatorBase
{
    private string Record => $"v=DKIM1; k=rsa; p={Convert.ToBase64String(key.ExportSubjectPublicKeyInfo())}";

    public override Org.BouncyCastle.Crypto.AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        GetPublicKey(Record);

    public override Task<Org.BouncyCastle.Crypto.AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetPublicKey(Record));
}
