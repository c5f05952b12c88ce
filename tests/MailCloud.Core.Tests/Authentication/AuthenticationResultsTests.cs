using System.Text;
using MailCloud.Core.Authentication;
using MailCloud.Core.Authentication.Dkim;
using MailCloud.Core.Authentication.Dmarc;
using MailCloud.Core.Authentication.Spf;

namespace MailCloud.Core.Tests.Authentication;

public sealed class AuthenticationResultsTests
{
    [Fact]
    public void Only_fields_claiming_our_authserv_id_are_removed_and_the_rest_kept_byte_for_byte()
    {
        const string header =
            "Authentication-Results: MX.Example.Test;\r\n\tdmarc=pass header.from=bank.test\r\n" +
            "Received: from a\r\n\tby b; Tue, 1 Dec 2026 09:00:00 +0000\r\n" +
            "Authentication-Results: other.example; spf=pass smtp.mailfrom=x.test\r\n" +
            "authentication-results:  (a comment) mx.example.test 1; none\r\n" +
            "Authentication-Results: mx.example.test.evil; none\r\n" +
            "Subject: hi\r\n\r\n";

        var (kept, removed) = AuthenticationResultsFilter.RemoveClaimsOf("mx.example.test", Encoding.ASCII.GetBytes(header));

        Assert.Equal(2, removed);
        Assert.Equal(
            "Received: from a\r\n\tby b; Tue, 1 Dec 2026 09:00:00 +0000\r\n" +
            "Authentication-Results: other.example; spf=pass smtp.mailfrom=x.test\r\n" +
            "Authentication-Results: mx.example.test.evil; none\r\n" +
            "Subject: hi\r\n\r\n",
            Encoding.ASCII.GetString(kept));
    }

    [Fact]
    public void A_header_without_forged_fields_is_unchanged()
    {
        var header = "From: a@b.test\r\nSubject: x\r\n\r\n"u8.ToArray();

        var (kept, removed) = AuthenticationResultsFilter.RemoveClaimsOf("mx.example.test", header);

        Assert.Equal(0, removed);
        Assert.Equal(header, kept);
    }

    [Fact]
    public void The_header_names_every_method_with_its_properties()
    {
        var header = AuthenticationResultsHeader.Build(
            "mx.example.test",
            new SpfCheck(SpfResult.Fail, SpfIdentity.MailFrom, "bank.test", "x@bank.test", Problem: null),
            [new DkimCheck(DkimResult.Fail, "bank.test", "s1", Signature: "abcdefgh1234", Reason: "body hash did not verify")],
            new DmarcCheck(DmarcResult.Fail, "bank.test", DmarcPolicy.Reject, DmarcDisposition.Reject));

        Assert.Equal(
            "Authentication-Results: mx.example.test;\r\n" +
            "\tspf=fail smtp.mailfrom=bank.test;\r\n" +
            "\tdkim=fail (body hash did not verify) header.d=bank.test header.s=s1 header.b=abcdefgh1234;\r\n" +
            "\tdmarc=fail (p=reject dis=reject) header.from=bank.test\r\n",
            header);
    }

    [Fact]
    public void Text_from_outside_cannot_break_out_of_a_comment_or_a_value()
    {
        var header = AuthenticationResultsHeader.Build(
            "mx.example.test",
            new SpfCheck(SpfResult.PermError, SpfIdentity.Helo, "we\"ird;(helo)", "postmaster@x", Problem: "bad) record\r\nX-Injected: yes"),
            [],
            null);

        Assert.Equal(
            "Authentication-Results: mx.example.test;\r\n\tspf=permerror (bad recordX-Injected: yes) smtp.helo=\"weird;(helo)\";\r\n\tdkim=none\r\n",
            header);
    }
}
