using System.Text;
using MailCloud.Core.Lists.Bounces;
using MailCloud.Testing;
using MimeKit;

namespace MailCloud.Core.Tests.Lists;

/// <summary>Bounces as MTAs write them: Postfix's DSN byte for byte, Exim, qmail, Exchange and Gmail text, delays and auto-replies.</summary>
public sealed class BounceParserTests
{
    private static readonly string PostfixHardDsn = BounceSamples.PostfixHardDsn("team-bounces+abcdefghijklmnop@example.test", "ann@remote.test", "post-1@example.test");

    [Fact]
    public void Postfix_dsn_for_a_refused_recipient_is_hard_and_names_the_post()
    {
        var report = Parse(PostfixHardDsn);
        Assert.Equal(BounceSeverity.Hard, report.Severity);
        Assert.Equal("5.1.1", report.Status);
        Assert.Equal("smtp; 550 5.1.1 <ann@remote.test>: Recipient address rejected: User unknown in local recipient table", report.Diagnostic);
        Assert.Equal("post-1@example.test", report.OriginalMessageId);
    }

    [Fact]
    public void Postfix_delay_warning_is_soft()
    {
        var delayed = PostfixHardDsn
            .Replace("Action: failed", "Action: delayed", StringComparison.Ordinal)
            .Replace("Status: 5.1.1", "Status: 4.4.1", StringComparison.Ordinal)
            .Replace("Subject: Undelivered Mail Returned to Sender", "Subject: Delayed Mail (still being retried)", StringComparison.Ordinal);
        Assert.Equal(BounceSeverity.Soft, Parse(delayed).Severity);
    }

    [Fact]
    public void A_dsn_that_failed_with_a_transient_status_is_soft()
    {
        var transient = PostfixHardDsn.Replace("Status: 5.1.1", "Status: 4.2.2", StringComparison.Ordinal);
        Assert.Equal(BounceSeverity.Soft, Parse(transient).Severity);
    }

    [Fact]
    public void Exim_text_bounce_is_hard()
    {
        var report = Parse("""
            From: Mail Delivery System <Mailer-Daemon@mail.remote.test>
            To: team-bounces+abcdefghijklmnop@example.test
            Subject: Mail delivery failed: returning message to sender
            Auto-Submitted: auto-replied
            Message-Id: <E1vQ7Zk-0004Xy-2B@mail.remote.test>

            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              ann@remote.test
                host mx.remote.test [192.0.2.25]
                SMTP error from remote mail server after RCPT TO:<ann@remote.test>:
                550 5.1.1 <ann@remote.test>: Recipient address rejected: User unknown

            ------ This is a copy of the message, including all the headers. ------

            Message-ID: <post-7@example.test>
            Subject: Agenda

            """);
        Assert.Equal(BounceSeverity.Hard, report.Severity);
        Assert.Equal("5.1.1", report.Status);
        Assert.Equal("post-7@example.test", report.OriginalMessageId);
    }

    [Fact]
    public void Exim_delay_warning_is_soft()
    {
        var report = Parse("""
            From: Mail Delivery System <Mailer-Daemon@mail.remote.test>
            Subject: Warning: message 1vQ7Zk-0004Xy-2B delayed 24 hours

            This message was created automatically by mail delivery software.
            A message that you sent has not yet been delivered to one or more of its
            recipients after more than 24 hours on the queue on mail.remote.test.

              ann@remote.test
                host mx.remote.test [192.0.2.25]: 451 4.3.0 Temporary lookup failure

            No action is required on your part. Delivery attempts will continue for
            some time, and this warning may be repeated at intervals if the message
            remains undelivered.
            """);
        Assert.Equal(BounceSeverity.Soft, report.Severity);
    }

    [Fact]
    public void Qmail_text_bounce_is_hard()
    {
        var report = Parse("""
            From: MAILER-DAEMON@qmail.remote.test
            Subject: failure notice

            Hi. This is the qmail-send program at qmail.remote.test.
            I'm afraid I wasn't able to deliver your message to the following addresses.
            This is a permanent error; I've given up. Sorry it didn't work out.

            <ann@remote.test>:
            192.0.2.25 does not like recipient.
            Remote host said: 550 5.1.1 <ann@remote.test>... User unknown
            Giving up on 192.0.2.25.

            --- Below this line is a copy of the message.
            """);
        Assert.Equal(BounceSeverity.Hard, report.Severity);
        Assert.Equal("5.1.1", report.Status);
    }

    [Fact]
    public void Exchange_non_delivery_report_in_text_is_hard()
    {
        var report = Parse("""
            From: postmaster@remote.test
            Subject: Undeliverable: Agenda

            Delivery has failed to these recipients or groups:

            ann@remote.test
            The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.

            Diagnostic information for administrators:

            Generating server: EXCH01.remote.test

            ann@remote.test
            #550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup ##
            """);
        Assert.Equal(BounceSeverity.Hard, report.Severity);
        Assert.Equal("5.1.10", report.Status);
    }

    [Fact]
    public void Gmail_text_bounce_is_hard()
    {
        var report = Parse("""
            From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
            Subject: Delivery Status Notification (Failure)

            ** Address not found **

            Your message wasn't delivered to ann@remote.test because the address couldn't be found, or is unable to receive mail.

            The response from the remote server was:
            550-5.1.1 The email account that you tried to reach does not exist. Please try
            550-5.1.1 double-checking the recipient's email address for typos or
            550 5.1.1 unnecessary spaces.
            """);
        Assert.Equal(BounceSeverity.Hard, report.Severity);
        Assert.Equal("5.1.1", report.Status);
    }

    [Fact]
    public void An_auto_reply_or_unknown_format_scores_nothing()
    {
        Assert.Equal(BounceSeverity.Unknown, Parse("""
            From: ann@remote.test
            Subject: Out of office: Agenda
            Auto-Submitted: auto-replied

            I am away until Monday and cannot reply. Our office phone is
            550 1234 between 9 and 5.
            """).Severity);
        Assert.Equal(BounceSeverity.Unknown, Parse("""
            From: postmaster@remote.test
            Subject: Undeliverable: Agenda

            Your message could not be delivered. Contact your administrator.
            """).Severity);
    }

    [Fact]
    public void A_returned_post_does_not_score_itself()
    {
        // The returned message (message/rfc822) talks of a permanent error and a 550, but the report says delayed.
        var report = Parse("""
            From: MAILER-DAEMON@mx.remote.test
            Subject: Delayed Mail
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b"

            --b
            Content-Type: text/plain

            Delivery is delayed; the system will retry.

            --b
            Content-Type: message/rfc822

            From: bob@example.test
            Message-ID: <post-9@example.test>
            Subject: permanent error

            This is a permanent error:
            550 5.1.1 user unknown
            --b--
            """);
        Assert.Equal(BounceSeverity.Soft, report.Severity);
        Assert.Equal("post-9@example.test", report.OriginalMessageId);
    }

    private static BounceReport Parse(string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n")));
        return BounceParser.Parse(MimeMessage.Load(stream));
    }
}
