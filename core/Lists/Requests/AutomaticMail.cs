using MailCloud.Core.Queueing;
using MimeKit;

namespace MailCloud.Core.Lists.Requests;

/// <summary>
/// Mail a list's robot never answers, so that two robots cannot talk to each other for ever (RFC 3834 §2):
/// the null reverse-path (bounces, RFC 5321 §4.5.5), Auto-Submitted other than "no" (RFC 3834 §5), and the de facto
/// Precedence: bulk, list or junk.
/// </summary>
public static class AutomaticMail
{
    public static bool IsAutomatic(MessageEnvelope envelope, HeaderList headers)
    {
        if (envelope.MailFrom.Length == 0)
        {
            return true;
        }

        if (headers["Auto-Submitted"] is { } autoSubmitted && !autoSubmitted.Split(';')[0].Trim().Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return headers["Precedence"]?.Trim().ToLowerInvariant() is "bulk" or "list" or "junk";
    }
}
