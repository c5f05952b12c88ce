using System.Text.RegularExpressions;
using MimeKit;

namespace MailCloud.Core.Lists.Bounces;

/// <summary>
/// Reads a bounce: an RFC 3464 delivery status notification (multipart/report; report-type=delivery-status)
/// when there is one, else the plain-text formats MTAs still send (Exim, qmail, Exchange, Gmail, Postfix's
/// own text part). Conservative by design: a text bounce scores only when it says the failure is permanent
/// and quotes a 5xx reply; anything else is <see cref="BounceSeverity.Unknown"/>, so an auto-reply or a
/// format we do not know never disables anyone.
/// </summary>
public static partial class BounceParser
{
    /// <summary>The most text read from a non-DSN bounce: the diagnosis is near the top.</summary>
    private const int MaxTextLength = 64 * 1024;

    private static readonly string[] PermanentPhrases =
    [
        "permanent error",        // Exim, qmail
        "failed permanently",     // Gmail
        "permanent failure",
        "could not be delivered", // Exim, Postfix
        "couldn't be delivered",  // Exchange
        "wasn't able to deliver", // qmail
        "delivery has failed",    // Exchange
        "address not found",      // Gmail
        "undeliverable",
        "undelivered mail",
    ];

    private static readonly string[] DelayPhrases =
    [
        "not yet been delivered", // Exim's and Postfix's delay warnings
        "delivery is delayed",
        "delivery delayed",
        "will retry",
        "will continue trying",
        "still trying",
        "temporary failure",
    ];

    public static BounceReport Parse(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var originalId = FindOriginalMessageId(message);
        if (FindDeliveryStatus(message.Body) is { } status)
        {
            return FromDeliveryStatus(status, originalId);
        }

        var text = FindText(message);
        return text is null ? BounceReport.Unrecognised : FromText(text, originalId ?? OriginalIdInText(text));
    }

    /// <summary>RFC 3464 §2.3: a report is hard when some recipient's Action is "failed" with a 5.x.x Status.</summary>
    private static BounceReport FromDeliveryStatus(MessageDeliveryStatus status, string? originalId)
    {
        var groups = status.StatusGroups;
        if (groups.Count == 0)
        {
            return BounceReport.Unrecognised;
        }

        // §2.2: the first group is per-message; Original-Envelope-Id is our own id when the sender kept ENVID.
        originalId ??= Clean(groups[0]["Original-Envelope-Id"]);
        var severity = BounceSeverity.Unknown;
        string? statusCode = null, diagnostic = null;
        foreach (var recipient in groups.Skip(1))
        {
            var action = recipient["Action"]?.Trim().ToLowerInvariant();
            var code = recipient["Status"]?.Trim();
            var recipientSeverity = action switch
            {
                "failed" when code is not null && code.StartsWith("5.", StringComparison.Ordinal) => BounceSeverity.Hard,
                "failed" or "delayed" => BounceSeverity.Soft,
                _ => BounceSeverity.Unknown,
            };
            if (recipientSeverity > severity)
            {
                (severity, statusCode, diagnostic) = (recipientSeverity, code, Clean(recipient["Diagnostic-Code"]));
            }
        }

        return new BounceReport(severity, statusCode, diagnostic, originalId);
    }

    private static BounceReport FromText(string text, string? originalId)
    {
        var lower = text.ToLowerInvariant();
        if (DelayPhrases.Any(lower.Contains))
        {
            return new BounceReport(BounceSeverity.Soft, null, null, originalId);
        }

        if (!PermanentPhrases.Any(lower.Contains))
        {
            return BounceReport.Unrecognised;
        }

        var reply = SmtpReply().Match(text);
        if (!reply.Success)
        {
            return BounceReport.Unrecognised;
        }

        var status = reply.Groups["status"].Success ? reply.Groups["status"].Value : "5.0.0";
        return new BounceReport(BounceSeverity.Hard, status, reply.Value.Trim().TrimStart('#'), originalId);
    }

    private static MessageDeliveryStatus? FindDeliveryStatus(MimeEntity? entity) => entity switch
    {
        MessageDeliveryStatus status => status,
        MultipartReport report when report.ReportType?.Equals("delivery-status", StringComparison.OrdinalIgnoreCase) is true
            || report.ReportType?.Equals("global-delivery-status", StringComparison.OrdinalIgnoreCase) is true
            => report.OfType<MimeEntity>().Select(FindDeliveryStatus).FirstOrDefault(s => s is not null),
        Multipart multipart => multipart.Select(FindDeliveryStatus).FirstOrDefault(s => s is not null),
        _ => null,
    };

    /// <summary>The first text part that is not the returned message (a returned post must not score itself).</summary>
    private static string? FindText(MimeMessage message)
    {
        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if (!part.IsAttachment)
            {
                var text = part.IsHtml ? HtmlTag().Replace(part.Text, " ") : part.Text;
                return text.Length > MaxTextLength ? text[..MaxTextLength] : text;
            }
        }

        return null;
    }

    /// <summary>The Message-ID of the returned message (message/rfc822, RFC 6522 text/rfc822-headers).</summary>
    private static string? FindOriginalMessageId(MimeMessage message)
    {
        foreach (var entity in message.BodyParts)
        {
            switch (entity)
            {
                case MessagePart { Message: { } returned } when !string.IsNullOrEmpty(returned.MessageId):
                    return returned.MessageId;
                case TextRfc822Headers headers when headers.Message is { MessageId: { Length: > 0 } id }:
                    return id;
            }
        }

        return null;
    }

    /// <summary>Text bounces often quote the returned header inline.</summary>
    private static string? OriginalIdInText(string text) =>
        QuotedMessageId().Match(text) is { Success: true } match ? match.Groups["id"].Value : null;

    private static string? Clean(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : string.Join(' ', value.Split((char[])['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// A 5xx SMTP reply (RFC 5321 §4.2) with an optional enhanced status (RFC 3463), where the known formats
    /// put it: at the start of a line (Exim, Gmail; Exchange prefixes '#') or after "said:" (Postfix, qmail).
    /// </summary>
    [GeneratedRegex(@"(?:^[ \t]*#?|said:\s+)(?<reply>5[0-5]\d)(?:[ -]#?(?<status>5\.\d{1,3}\.\d{1,3}))?[ \t]+\S.*$", RegexOptions.Multiline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SmtpReply();

    [GeneratedRegex(@"^Message-ID:\s*<(?<id>[^>\r\n]+)>", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex QuotedMessageId();

    [GeneratedRegex("<[^>]*>", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex HtmlTag();
}
