using MailCloud.Core.Queueing;

namespace MailCloud.Core.Pipeline;

/// <summary>The pipeline's stages, each fed by one queue.</summary>
public enum PipelineStage
{
    Route,
    Deliver,
    Relay,
}

/// <summary>How often the queue has handed out this message (1 on the first delivery).</summary>
public readonly record struct StageAttempt(int DeliveryCount);

/// <summary>
/// One pipeline stage. Handlers are idempotent: the same envelope may arrive twice and the
/// effect happens once. An exception means "try again" (the queue redelivers); only
/// <see cref="StageOutcome.DeadLetter"/> gives a message up.
/// </summary>
public interface IStageHandler
{
    PipelineStage Stage { get; }

    Task<StageOutcome> HandleAsync(MessageEnvelope envelope, StageAttempt attempt, CancellationToken cancellationToken);
}
