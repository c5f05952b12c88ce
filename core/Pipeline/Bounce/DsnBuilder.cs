using System.Globalization;
using System.Text;
using MailCloud.Core.Queueing;
using MimeKit;
using MimeKit.Utils;

namespace MailCloud.Core.Pipeline.Bounce;

/// <summary>Builds RFC 3464 delivery status notifications (multipart/report; report-type=delivery-status).</summary>
public static class DsnBuilder
{
    /// <param name="original">
    /// The message being reported on: its headers, or all of it when RET=FULL; null when its content
    /// is no longer available, and the DSN says so instead of returning it (RFC 3464 §2: the third part is optional).
    /// </param>
    public static MimeMessage Build(
        MessageEnvelope envelope,
        IReadOnlyList<RecipientFailure> failures,
        DsnAction action,
        MimeMessage? original,
        string reportingMta,
        string dsnMessageId,
        DateTimeOffset now)
    {
        var dsn = new MimeMessage();
        dsn.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{reportingMta}"));
        dsn.To.Add(MailboxAddress.Parse(envelope.MailFrom));
        dsn.Subject = action == DsnAction.Failed ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)";
        dsn.Date = now;
        dsn.MessageId = $"{dsnMessageId}@{reportingMta}";
        // RFC 3834 §5: automatic responses are marked so no one auto-replies to them.
        dsn.Headers.Add("Auto-Submitted", "auto-replied");
        if (original?.MessageId is { } originalId)
        {
            dsn.InReplyTo = originalId;
            dsn.References.Add(originalId);
        }

        var report = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = Explanation(failures, action, reportingMta, original is not null) },
            StatusPart(envelope, failures, action, reportingMta),
        };
        if (original is not null)
        {
            report.Add(ReturnedContent(envelope, original));
        }

        dsn.Body = report;
        return dsn;
    }

    private static string Explanation(IReadOnlyList<RecipientFailure> failures, DsnAction action, string reportingMta, bool returnsOriginal)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"This is the mail system at host {reportingMta}.\n\n");
        text.Append(action == DsnAction.Failed
            ? "Your message could not be delivered to one or more recipients."
            : "Your message could not be delivered yet to one or more recipients. Delivery will be retried; you do not need to resend it.");
        text.Append(returnsOriginal
            ? action == DsnAction.Failed ? " It is attached below.\n\n" : "\n\n"
            : " Its content is no longer available, so it cannot be returned with this report.\n\n");
        foreach (var failure in failures)
        {
            text.Append(CultureInfo.InvariantCulture, $"<{failure.Recipient.Address}>: {failure.Diagnostic}\n");
        }

        return text.ToString();
    }

    // RFC 3464 §2.2 (per-message fields) and §2.3 (per-recipient fields).
    private static MessageDeliveryStatus StatusPart(MessageEnvelope envelope, IReadOnlyList<RecipientFailure> failures, DsnAction action, string reportingMta)
    {
        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList { { "Reporting-MTA", $"dns; {reportingMta}" } };
        if (envelope.EnvelopeId is { } envelopeId)
        {
            perMessage.Add("Original-Envelope-Id", envelopeId);
        }

        perMessage.Add("Arrival-Date", DateUtils.FormatDate(envelope.ReceivedAt));
        status.StatusGroups.Add(perMessage);

        foreach (var failure in failures)
        {
            var perRecipient = new HeaderList();
            if (failure.Recipient.OriginalRecipient is { } originalRecipient)
            {
                perRecipient.Add("Original-Recipient", originalRecipient);
            }

            perRecipient.Add("Final-Recipient", $"rfc822; {failure.Recipient.Address}");
            perRecipient.Add("Action", action == DsnAction.Failed ? "failed" : "delayed");
            perRecipient.Add("Status", failure.Status);
            if (failure.RemoteMta is { } remoteMta)
            {
                perRecipient.Add("Remote-MTA", $"dns; {remoteMta}");
            }

            perRecipient.Add("Diagnostic-Code", $"smtp; {failure.Diagnostic}");
            status.StatusGroups.Add(perRecipient);
        }

        return status;
    }

    // RFC 3461 §4.3: RET=FULL returns the whole message; otherwise (RET=HDRS or unspecified) the headers only.
    private static MimeEntity ReturnedContent(MessageEnvelope envelope, MimeMessage original) =>
        envelope.Return == DsnReturn.Full
            ? new MessagePart("rfc822") { Message = original }
            : new TextRfc822Headers { Message = new MimeMessage(original.Headers) };
}
