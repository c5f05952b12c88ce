using MailCloud.Core.Queueing;

namespace MailCloud.Core.Pipeline.Bounce;

/// <summary>RFC 3464 §2.3.3 Action values the pipeline reports.</summary>
public enum DsnAction
{
    Failed,
    Delayed,
}

/// <summary>
/// Why one recipient could not be delivered: an RFC 3463 enhanced status code (e.g. "5.1.1"),
/// the diagnostic text (the remote reply when there is one) and the remote MTA if one answered.
/// </summary>
public sealed record RecipientFailure(EnvelopeRecipient Recipient, string Status, string Diagnostic, string? RemoteMta = null)
{
    public bool IsPermanent => Status.StartsWith('5');
}
