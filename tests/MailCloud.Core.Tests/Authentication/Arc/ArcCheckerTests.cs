using System.Text;
using MailCloud.Core.Authentication;
using MailCloud.Core.Authentication.Arc;
using MailCloud.Core.Authentication.Dkim;
using MailCloud.Core.Tests.Authentication.Dkim;
using MailCloud.Testing;
using MimeKit;
using MimeKit.Cryptography;

namespace MailCloud.Core.Tests.Authentication.Arc;

/// <summary>ARC chains (RFC 8617) sealed by MimeKit's ArcSigner with a key this test makes, verified with keys from a zone.</summary>
public sealed class ArcCheckerTests
{
    private readonly ZoneDnsResolver _zone = new();

    public ArcCheckerTests()
    {
        _zone.AddTxt("arc._domainkey.forwarder.test", TestSigningKey.RsaKey.Record);
        _zone.Add("slow._domainkey.forwarder.test", ZoneDnsResolver.Timeout);
    }

    [Fact]
    public async Task A_message_without_arc_sets_has_no_result_and_no_arc_entry()
    {
        var check = await CheckAsync(NewMessage());
        Assert.Equal(new ArcCheck(ArcResult.None, 0), check);
        Assert.DoesNotContain("arc=", AuthenticationResultsHeader.Build("mx.example.test", null, [], null, check), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_and_two_seals_pass()
    {
        var message = NewMessage();
        Seal(message, "arc");
        Assert.Equal(new ArcCheck(ArcResult.Pass, 1), await CheckAsync(message));

        Seal(message, "arc");
        var check = await CheckAsync(message);
        Assert.Equal(new ArcCheck(ArcResult.Pass, 2), check);
        Assert.Contains("arc=pass (i=2)", AuthenticationResultsHeader.Build("mx.example.test", null, [], null, check), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_changed_after_sealing_fails()
    {
        var message = NewMessage();
        Seal(message, "arc");
        var changed = Serialize(message).Replace("See you at ten.", "See you at nine.", StringComparison.Ordinal);

        var check = await CheckAsync(MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(changed))));

        Assert.Equal(ArcResult.Fail, check.Result);
    }

    [Fact]
    public async Task A_key_that_cannot_be_looked_up_gives_no_result_rather_than_a_failure()
    {
        var message = NewMessage();
        Seal(message, "slow");

        var check = await CheckAsync(message);

        Assert.Equal(ArcResult.None, check.Result);
        Assert.NotNull(check.Reason);
    }

    private Task<ArcCheck> CheckAsync(MimeMessage message) =>
        new ArcChecker(new DkimKeyLocator(_zone)).VerifyAsync(message, CancellationToken.None);

    private static void Seal(MimeMessage message, string selector) =>
        new TestSealer(TestSigningKey.RsaKey, selector).Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date]);

    private static MimeMessage NewMessage() => MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(
        "From: Ann <ann@sender.test>\r\nTo: list@forwarder.test\r\nSubject: Meeting\r\nDate: Wed, 11 Mar 2026 10:00:00 +0000\r\n" +
        "Message-ID: <arc-1@sender.test>\r\n\r\nSee you at ten.\r\n")));

    private static string Serialize(MimeMessage message)
    {
        using var bytes = new MemoryStream();
        message.WriteTo(bytes);
        return Encoding.ASCII.GetString(bytes.ToArray());
    }

    private sealed class TestSealer(TestSigningKey key, string selector)
        : ArcSigner(key.Pair.Private, "forwarder.test", selector, key.Algorithm)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
        {
            var results = new AuthenticationResults("mx.forwarder.test");
            results.Results.Add(new AuthenticationMethodResult("spf", "pass"));
            return results;
        }

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(GenerateArcAuthenticationResults(options, message, cancellationToken));
    }
}
