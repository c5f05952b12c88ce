using MailCloud.Core.Queueing;

namespace MailCloud.Core.Pipeline.Relay;

/// <summary>What became of one recipient in one relay attempt.</summary>
public enum RelayVerdict
{
    Delivered,
    Deferred,
    Failed,
}

/// <summary>The remote's answer for one recipient (or our own reason when there was no answer).</summary>
public sealed record RecipientResult(EnvelopeRecipient Recipient, RelayVerdict Verdict, string Status, string Diagnostic, string? RemoteMta)
{
    /// <summary>Classifies an SMTP reply (RFC 5321 §4.2.1): 2yz done, 5yz permanent, anything else try later.</summary>
    public static RecipientResult FromReply(EnvelopeRecipient recipient, int code, string text, string remoteMta)
    {
        var verdict = code is >= 200 and < 300 ? RelayVerdict.Delivered : code is >= 500 and < 600 ? RelayVerdict.Failed : RelayVerdict.Deferred;
        var status = verdict switch
        {
            RelayVerdict.Delivered => "2.0.0",
            RelayVerdict.Failed => EnhancedStatus(text) ?? "5.0.0",
            _ => EnhancedStatus(text) ?? "4.0.0",
        };
        return new RecipientResult(recipient, verdict, status, $"{code} {text.ReplaceLineEndings(" ").Trim()}", remoteMta);
    }

    public static RecipientResult Deferred(EnvelopeRecipient recipient, string status, string reason) =>
        new(recipient, RelayVerdict.Deferred, status, reason, null);

    public static RecipientResult Failed(EnvelopeRecipient recipient, string status, string reason) =>
        new(recipient, RelayVerdict.Failed, status, reason, null);

    // RFC 3463 §2: class.subject.detail at the start of the reply text (RFC 2034).
    private static string? EnhancedStatus(string text)
    {
        var first = text.TrimStart().Split(' ', 2)[0];
        var parts = first.Split('.');
        return parts.Length == 3 && parts[0] is "2" or "4" or "5" && parts.Skip(1).All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit)) ? first : null;
    }
}
