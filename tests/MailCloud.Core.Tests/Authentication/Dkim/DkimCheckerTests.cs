using System.Security.Cryptography;
using System.Text;
using MailCloud.Core.Authentication.Dkim;
using MailCloud.Core.Tests.Spool;
using MailCloud.Testing;
using MimeKit;

namespace MailCloud.Core.Tests.Authentication.Dkim;

/// <summary>
/// DKIM verification of messages signed by MimeKit's DkimSigner (and, for l=, an RFC-written signer)
/// with keys this test generates, served from a zone; each case asserts the RFC 8601 result.
/// </summary>
public sealed class DkimCheckerTests
{
    private readonly ZoneDnsResolver _zone = new();

    public DkimCheckerTests()
    {
        _zone.AddTxt("rsa._domainkey.sender.test", TestSigningKey.RsaKey.Record);
        _zone.AddTxt("ed._domainkey.sender.test", TestSigningKey.Ed25519Key.Record);
        _zone.AddTxt("gone._domainkey.sender.test", "v=DKIM1; k=rsa; p=");
        _zone.AddTxt("wrongtype._domainkey.sender.test", TestSigningKey.Ed25519Key.Record);
        _zone.Add("slow._domainkey.sender.test", ZoneDnsResolver.Timeout);
    }

    private DkimChecker Checker(TimeProvider? time = null) => new(new DkimKeyLocator(_zone), time ?? TimeProvider.System);

    [Fact]
    public async Task Rsa_and_ed25519_signatures_both_pass()
    {
        var message = NewMessage();
        TestSigningKey.RsaKey.Sign(message, "sender.test", "rsa");
        TestSigningKey.Ed25519Key.Sign(message, "sender.test", "ed");

        var checks = await VerifyAsync(message);

        Assert.Equal(2, checks.Count);
        Assert.All(checks, c => Assert.Equal(DkimResult.Pass, c.Result));
        Assert.Equal(["ed", "rsa"], checks.Select(c => c.Selector));
        Assert.All(checks, c => Assert.Equal("sender.test", c.Domain));
    }

    [Fact]
    public async Task A_changed_body_fails_on_the_body_hash_and_a_changed_header_on_the_signature()
    {
        var message = NewMessage();
        TestSigningKey.RsaKey.Sign(message, "sender.test", "rsa");
        var raw = Serialize(message);

        var body = Assert.Single(await VerifyAsync(raw.Replace("Pay invoice 1234", "Pay invoice 9999", StringComparison.Ordinal)));
        Assert.Equal(DkimResult.Fail, body.Result);
        Assert.Equal("body hash did not verify", body.Reason);

        var header = Assert.Single(await VerifyAsync(raw.Replace("Subject: Invoice", "Subject: Urgent invoice", StringComparison.Ordinal)));
        Assert.Equal(DkimResult.Fail, header.Result);
        Assert.Equal("signature did not verify", header.Reason);
    }

    [Fact]
    public async Task A_revoked_key_fails_and_a_missing_key_is_permerror()
    {
        var revoked = NewMessage();
        TestSigningKey.RsaKey.Sign(revoked, "sender.test", "gone");
        var missing = NewMessage();
        TestSigningKey.RsaKey.Sign(missing, "sender.test", "nokey");

        var gone = Assert.Single(await VerifyAsync(revoked));
        Assert.Equal((DkimResult.Fail, "key revoked"), (gone.Result, gone.Reason));
        Assert.Equal(DkimResult.PermError, Assert.Single(await VerifyAsync(missing)).Result);
    }

    [Fact]
    public async Task A_dns_timeout_is_temperror_and_a_key_of_the_wrong_type_is_permerror()
    {
        var slow = NewMessage();
        TestSigningKey.RsaKey.Sign(slow, "sender.test", "slow");
        var wrongType = NewMessage();
        TestSigningKey.RsaKey.Sign(wrongType, "sender.test", "wrongtype");

        Assert.Equal(DkimResult.TempError, Assert.Single(await VerifyAsync(slow)).Result);
        Assert.Equal(DkimResult.PermError, Assert.Single(await VerifyAsync(wrongType)).Result);
    }

    [Fact]
    public async Task An_expired_signature_and_one_from_the_future_are_policy()
    {
        var message = NewMessage();
        TestSigningKey.RsaKey.Sign(message, "sender.test", "rsa", expiresAfter: TimeSpan.FromHours(1));
        var raw = Serialize(message);

        var later = Assert.Single(await Checker(new FixedTimeProvider(DateTimeOffset.UtcNow.AddHours(2))).VerifyAsync(Parse(raw), CancellationToken.None));
        var earlier = Assert.Single(await Checker(new FixedTimeProvider(DateTimeOffset.UtcNow.AddHours(-1))).VerifyAsync(Parse(raw), CancellationToken.None));
        var now = Assert.Single(await VerifyAsync(raw));

        Assert.Equal((DkimResult.Policy, "signature expired"), (later.Result, later.Reason));
        Assert.Equal((DkimResult.Policy, "signature timestamp in the future"), (earlier.Result, earlier.Reason));
        Assert.Equal(DkimResult.Pass, now.Result);
    }

    [Fact]
    public async Task A_body_length_limit_passes_alone_and_is_policy_with_unsigned_content_after_it()
    {
        using var rsa = RSA.Create(2048);
        _zone.AddTxt("len._domainkey.sender.test", $"v=DKIM1; k=rsa; p={Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())}");
        const string body = "Pay invoice 1234 by Friday.\r\n";
        var message = $"From: Billing <billing@sender.test>\r\nTo: bob@example.test\r\nSubject: Invoice\r\n\r\n{body}";
        var signed = LengthLimitedSigner.Sign(message, rsa, "sender.test", "len", LengthLimitedSigner.CanonicalLength(body));

        Assert.Equal(DkimResult.Pass, Assert.Single(await VerifyAsync(signed)).Result);
        var appended = Assert.Single(await VerifyAsync(signed + "Actually, pay account 666 instead.\r\n"));
        Assert.Equal((DkimResult.Policy, "unsigned content after l="), (appended.Result, appended.Reason));
        var changed = Assert.Single(await VerifyAsync(signed.Replace("1234", "9999", StringComparison.Ordinal)));
        Assert.Equal(DkimResult.Fail, changed.Result);
    }

    [Fact]
    public async Task Broken_signatures_are_neutral_and_rsa_sha1_and_short_keys_are_policy()
    {
        var weak = TestSigningKey.Rsa(512);
        _zone.AddTxt("weak._domainkey.sender.test", weak.Record);
        var shortKey = NewMessage();
        weak.Sign(shortKey, "sender.test", "weak");

        Assert.Equal(DkimResult.Policy, Assert.Single(await VerifyAsync(shortKey)).Result);
        Assert.Equal(DkimResult.Policy, Assert.Single(await VerifyAsync(WithSignature("v=1; a=rsa-sha1; d=sender.test; s=rsa; h=from; bh=AAAA; b=AAAA"))).Result);
        Assert.Equal(DkimResult.Neutral, Assert.Single(await VerifyAsync(WithSignature("v=1; a=rsa-sha256; d=sender.test; s=rsa; h=subject; bh=AAAA; b=AAAA"))).Result);
        Assert.Equal(DkimResult.Neutral, Assert.Single(await VerifyAsync(WithSignature("v=1; a=rsa-sha256; d=sender.test; h=from; bh=AAAA; b=AAAA"))).Result);
        Assert.Equal(DkimResult.Neutral, Assert.Single(await VerifyAsync(WithSignature("v=1; a=rsa-sha256; d=sender.test; s=rsa; i=x@other.test; h=from; bh=AAAA; b=AAAA"))).Result);
        Assert.Equal(DkimResult.Neutral, Assert.Single(await VerifyAsync(WithSignature("this is not a tag list"))).Result);
        // Signatures refused on their own tags cost no DNS query.
        Assert.Equal(["TXT weak._domainkey.sender.test"], _zone.Queries);
    }

    [Fact]
    public async Task A_message_without_signatures_has_no_results()
    {
        Assert.Empty(await VerifyAsync(NewMessage()));
    }

    private Task<IReadOnlyList<DkimCheck>> VerifyAsync(MimeMessage message) => VerifyAsync(Serialize(message));

    private Task<IReadOnlyList<DkimCheck>> VerifyAsync(string raw) => Checker().VerifyAsync(Parse(raw), CancellationToken.None);

    private static MimeMessage NewMessage()
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Billing", "billing@sender.test"));
        message.To.Add(new MailboxAddress("Bob", "bob@example.test"));
        message.Subject = "Invoice";
        message.Date = DateTimeOffset.UtcNow;
        message.Body = new TextPart("plain") { Text = "Pay invoice 1234 by Friday.\r\n" };
        return message;
    }

    private static string WithSignature(string value) => $"DKIM-Signature: {value}\r\n{Serialize(NewMessage())}";

    private static string Serialize(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, stream);
        return Encoding.ASCII.GetString(stream.ToArray());
    }

    internal static MimeMessage Parse(string raw) => MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(raw)));
}
