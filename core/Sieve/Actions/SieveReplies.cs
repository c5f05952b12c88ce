using System.Text;
using MimeKit;

namespace MailCloud.Core.Sieve.Actions;

/// <summary>The messages a script's actions send on their own (no I/O): a reject's MDN and a vacation reply.</summary>
public static class SieveReplies
{
    /// <summary>
    /// RFC 5429 §2.1.1: the rejection at delivery time is an MDN (RFC 8098) to the envelope sender,
    /// disposition "deleted", with the script's reason and the original's header.
    /// </summary>
    public static MimeMessage Reject(HeaderList original, string envelopeSender, string accountAddress, string reason, string hostName, string messageId, DateTimeOffset now)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery Subsystem", $"MAILER-DAEMON@{hostName}"));
        message.To.Add(MailboxAddress.Parse(envelopeSender));
        message.Subject = $"Rejected: {original[HeaderId.Subject] ?? ""}".TrimEnd();
        message.MessageId = messageId;
        message.Date = now;
        // RFC 3834 §5: an automatic response.
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var mdn = new MessageDispositionNotification();
        mdn.Fields.Add("Reporting-UA", $"{hostName}; MailCloud Sieve");
        mdn.Fields.Add("Final-Recipient", $"rfc822; {accountAddress}");
        if (original[HeaderId.MessageId] is { } originalId)
        {
            mdn.Fields.Add("Original-Message-ID", originalId.Trim());
        }

        // RFC 8098 §3.2.6: sent without the user's say, the message deleted.
        mdn.Fields.Add("Disposition", "automatic-action/MDN-sent-automatically; deleted");

        var report = new MultipartReport("disposition-notification")
        {
            new TextPart("plain") { Text = $"Your message to <{accountAddress}> was automatically rejected:\r\n\r\n{reason}\r\n" },
            mdn,
            new TextRfc822Headers { Message = new MimeMessage(original) },
        };
        message.Body = report;
        return message;
    }

    /// <summary>
    /// RFC 5230 §4 and RFC 3834 §3: the vacation reply, "Auto-Submitted: auto-replied", threaded to the
    /// original, its subject "Auto: " and the original's unless the script gave one.
    /// </summary>
    public static MimeMessage Vacation(HeaderList original, VacationAction action, string from, string to, string messageId, DateTimeOffset now)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = action.Subject ?? $"Auto: {original[HeaderId.Subject] ?? ""}".TrimEnd();
        message.MessageId = messageId;
        message.Date = now;
        message.Headers.Add("Auto-Submitted", "auto-replied");
        if (original[HeaderId.MessageId] is { } originalId && MimeKit.Utils.MimeUtils.EnumerateReferences(originalId).FirstOrDefault() is { } id)
        {
            // RFC 3834 §3.1.5: In-Reply-To and References as for any reply.
            message.InReplyTo = id;
            foreach (var reference in MimeKit.Utils.MimeUtils.EnumerateReferences(original[HeaderId.References] ?? ""))
            {
                message.References.Add(reference);
            }

            message.References.Add(id);
        }

        message.Body = action.ReasonIsMime
            ? MimeEntity.Load(new MemoryStream(Encoding.UTF8.GetBytes(action.Reason)))
            : new TextPart("plain") { Text = action.Reason };
        return message;
    }
}
