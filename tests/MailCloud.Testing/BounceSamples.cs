namespace MailCloud.Testing;

/// <summary>Bounces as real MTAs write them, for the parser's tests and the end-to-end bounce tests.</summary>
public static class BounceSamples
{
    /// <summary>What Postfix 3.x's bounce daemon sends for a 550 at RCPT (its own layout, folding and boundary), returning the headers of <paramref name="postId"/>.</summary>
    public static string PostfixHardDsn(string sender, string recipient, string postId) => $$"""
        Return-Path: <>
        Received: by mx.remote.test (Postfix)
        	id 4B5C1C0E6A; Tue,  1 Dec 2026 12:00:00 +0000 (UTC)
        Date: Tue,  1 Dec 2026 12:00:00 +0000 (UTC)
        From: MAILER-DAEMON@mx.remote.test (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        To: {{sender}}
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status;
        	boundary="3F2A81C0E6.1764590400/mx.remote.test"
        Content-Transfer-Encoding: 8bit
        Message-Id: <20261201120000.4B5C1C0E6A@mx.remote.test>

        This is a MIME-encapsulated message.

        --3F2A81C0E6.1764590400/mx.remote.test
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        This is the mail system at host mx.remote.test.

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients. It's attached below.

        For further assistance, please send mail to postmaster.

        If you do so, please include this problem report. You can
        delete your own text from the attached returned message.

                           The mail system

        <{{recipient}}>: host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <{{recipient}}>:
            Recipient address rejected: User unknown in local recipient table (in reply
            to RCPT TO command)

        --3F2A81C0E6.1764590400/mx.remote.test
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.remote.test
        X-Postfix-Queue-ID: 3F2A81C0E6
        X-Postfix-Sender: rfc822; {{sender}}
        Arrival-Date: Tue,  1 Dec 2026 11:59:58 +0000 (UTC)

        Final-Recipient: rfc822; {{recipient}}
        Original-Recipient: rfc822;{{recipient}}
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; 127.0.0.1
        Diagnostic-Code: smtp; 550 5.1.1 <{{recipient}}>: Recipient address rejected:
            User unknown in local recipient table

        --3F2A81C0E6.1764590400/mx.remote.test
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers

        Return-Path: <{{sender}}>
        Received: from mx.example.test (localhost [127.0.0.1])
        	by mx.remote.test (Postfix) with ESMTP id 3F2A81C0E6
        	for <{{recipient}}>; Tue,  1 Dec 2026 11:59:58 +0000 (UTC)
        From: Bob <bob@example.test>
        To: team@example.test
        Subject: Agenda
        Message-ID: <{{postId}}>
        List-Id: <team.example.test>

        --3F2A81C0E6.1764590400/mx.remote.test--
        """;
}
