using MailCloud.Core.Queueing;

namespace MailCloud.Core.Pipeline;

/// <summary>What a stage handler decided about one queue message; the host (Function or local runner) applies it.</summary>
public abstract record StageOutcome
{
    public static StageOutcome Completed { get; } = new CompletedOutcome();

    /// <summary>Try again after <paramref name="delay"/>, as a new delayed queue message (Attempt + 1), for <paramref name="recipients"/> only when given.</summary>
    public static StageOutcome RetryAfter(TimeSpan delay, string reason, IReadOnlyList<EnvelopeRecipient>? recipients = null) =>
        new RetryAfterOutcome(delay, reason, recipients);

    /// <summary>
    /// Not now, through no fault of the message (a rate limit): the same as <see cref="RetryAfter"/>
    /// but the attempt is not counted, so the backoff schedule is not advanced.
    /// </summary>
    public static StageOutcome Postpone(TimeSpan delay, string reason, IReadOnlyList<EnvelopeRecipient>? recipients = null) =>
        new RetryAfterOutcome(delay, reason, recipients, CountsAsAttempt: false);

    /// <summary>The message can never be handled; it goes to the dead-letter queue for a human.</summary>
    public static StageOutcome DeadLetter(string reason) => new DeadLetterOutcome(reason);
}

public sealed record CompletedOutcome : StageOutcome;

public sealed record RetryAfterOutcome(TimeSpan Delay, string Reason, IReadOnlyList<EnvelopeRecipient>? Recipients, bool CountsAsAttempt = true) : StageOutcome;

public sealed record DeadLetterOutcome(string Reason) : StageOutcome;
