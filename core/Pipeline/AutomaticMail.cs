using MailCloud.Core.Queueing;
using MimeKit;

namespace MailCloud.Core.Pipeline;

/// <summary>
/// Mail that our robots (list requests and moderation, Sieve reject and vacation) never answer, so that two
/// robots cannot talk to each other for ever (RFC 3834 §2): the null reverse-path (bounces, RFC 5321 §4.5.5),
/// Auto-Submitted other than "no" (RFC 3834 §5), and the de facto Precedence: bulk, list or junk.
/// </summary>
public static class AutomaticMail
{
    public static bool IsAutomatic(MessageEnvelope envelope, HeaderList headers) =>
        envelope.IsBounce || IsAutoSubmitted(headers) || IsBulk(headers);

    /// <summary>RFC 3834 §5: anything but "no" is automatic.</summary>
    public static bool IsAutoSubmitted(HeaderList headers) =>
        headers[HeaderId.AutoSubmitted] is { } value && !value.Split(';')[0].Trim().Equals("no", StringComparison.OrdinalIgnoreCase);

    public static bool IsBulk(HeaderList headers) =>
        headers[HeaderId.Precedence]?.Trim().ToLowerInvariant() is "bulk" or "list" or "junk";
}
