using MailCloud.Core.Queueing;

namespace MailCloud.Core.Lists.State;

public enum ModerationDecision
{
    Approve,
    Discard,
}

/// <summary>
/// A post waiting for an owner. <see cref="Envelope"/> is the post's envelope as it arrived (serialized by
/// <see cref="EnvelopeSerializer"/>), re-sent when it is approved; <see cref="Recipient"/> the list address it
/// was sent to; <see cref="NotifyAddress"/> who hears what becomes of it (null: a robot, or nobody vouched for).
/// <see cref="Decision"/> is set once, before it is carried out, so a second decision cannot contradict it.
/// </summary>
public sealed record HeldPost(
    string Id,
    string List,
    string Poster,
    string? NotifyAddress,
    string Reason,
    string Subject,
    DateTimeOffset HeldAt,
    string ApproveToken,
    string DiscardToken,
    string Envelope)
{
    public ModerationDecision? Decision { get; init; }

    public MessageEnvelope ReadEnvelope() => EnvelopeSerializer.Deserialize(BinaryData.FromString(Envelope));
}

/// <summary>What deciding on a held post found.</summary>
public enum DecisionOutcome
{
    /// <summary>The decision stands (taken now, or the same one taken before and not yet carried out).</summary>
    Decided,

    /// <summary>The other decision was taken first.</summary>
    DecidedOtherwise,

    /// <summary>No such post: never held, already carried out or expired.</summary>
    Missing,
}
