using MailCloud.Core.Configuration;
using MailCloud.Core.Diagnostics;
using MailCloud.Core.Queueing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline;

/// <summary>
/// Turns one queue message into a handler call and applies the outcome. Shared by the Azure
/// Functions and the local runner so both behave the same. While the handler works, the message's
/// lease is renewed (<see cref="ILeasedSettlement"/>). Handler exceptions propagate: the caller
/// leaves the message to the queue's redelivery.
/// </summary>
public sealed partial class StageInvoker
{
    private readonly Dictionary<PipelineStage, IStageHandler> _handlers;
    private readonly IQueueTransport _transport;
    private readonly QueueingOptions _queues;
    private readonly TimeProvider _time;
    private readonly ILogger<StageInvoker> _logger;

    public StageInvoker(IEnumerable<IStageHandler> handlers, IQueueTransport transport, IOptions<QueueingOptions> queues, TimeProvider time, ILogger<StageInvoker> logger)
    {
        _handlers = handlers.ToDictionary(h => h.Stage);
        _transport = transport;
        _queues = queues.Value;
        _time = time;
        _logger = logger;
    }

    public string QueueOf(PipelineStage stage) => stage switch
    {
        PipelineStage.Route => _queues.InboundQueue,
        PipelineStage.Deliver => _queues.DeliverQueue,
        PipelineStage.Relay => _queues.RelayQueue,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    public async Task InvokeAsync(PipelineStage stage, BinaryData body, int deliveryCount, IStageSettlement settlement, CancellationToken cancellationToken)
    {
        MessageEnvelope envelope;
        try
        {
            envelope = EnvelopeSerializer.Deserialize(body);
        }
        catch (InvalidEnvelopeException ex)
        {
            LogUnreadable(stage, ex.Message);
            await settlement.DeadLetterAsync(ex.Message, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var activity = MailCloudTelemetry.StartFromEnvelope($"pipeline.{stage.ToString().ToLowerInvariant()}", envelope.TraceParent);
        activity?.SetTag("mailcloud.message_id", envelope.MessageId);
        activity?.SetTag("mailcloud.attempt", envelope.Attempt);
        StageOutcome outcome;
        await using (StageLease.Start(settlement, _time, _logger, stage, envelope.MessageId))
        {
            outcome = await _handlers[stage].HandleAsync(envelope, new StageAttempt(deliveryCount), cancellationToken).ConfigureAwait(false);
        }

        switch (outcome)
        {
            case CompletedOutcome:
                await settlement.CompleteAsync(cancellationToken).ConfigureAwait(false);
                break;

            case RetryAfterOutcome retry:
                // A fresh message rather than a redelivery: retries of a remote MTA's 4xx can span days
                // and must not count against the queue's max delivery count, which guards against crashes.
                var next = envelope with
                {
                    Attempt = retry.CountsAsAttempt ? envelope.Attempt + 1 : envelope.Attempt,
                    Recipients = retry.Recipients ?? envelope.Recipients,
                };
                var queue = QueueOf(stage);
                var id = $"{envelope.MessageId}/{stage}/{envelope.TargetAccountId ?? envelope.TargetDomain}/{next.Attempt}".ToLowerInvariant();
                if (!retry.CountsAsAttempt)
                {
                    // Not the id of the message being settled: Service Bus duplicate detection would drop the copy.
                    id += $"/later-{_time.GetUtcNow().ToUnixTimeMilliseconds()}";
                }

                await _transport.SendAsync(queue, new OutgoingMessage(id, EnvelopeSerializer.Serialize(next)), retry.Delay, cancellationToken).ConfigureAwait(false);
                LogRetry(stage, envelope.MessageId, next.Attempt, retry.Delay, retry.Reason);
                await settlement.CompleteAsync(cancellationToken).ConfigureAwait(false);
                break;

            case DeadLetterOutcome deadLetter:
                LogDeadLetter(stage, envelope.MessageId, deadLetter.Reason);
                await settlement.DeadLetterAsync(deadLetter.Reason, cancellationToken).ConfigureAwait(false);
                break;

            default:
                throw new InvalidOperationException($"Unknown stage outcome {outcome}.");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Stage}: unreadable queue message dead-lettered: {Reason}")]
    private partial void LogUnreadable(PipelineStage stage, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Stage}: message {MessageId} retried as attempt {Attempt} in {Delay}: {Reason}")]
    private partial void LogRetry(PipelineStage stage, string messageId, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Stage}: message {MessageId} dead-lettered: {Reason}")]
    private partial void LogDeadLetter(PipelineStage stage, string messageId, string reason);
}
