using MailCloud.Core.Directory;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;

namespace MailCloud.Core.Pipeline.Deliver;

/// <summary>
/// Stage "deliver": one <see cref="MailboxDelivery"/> per queue message, for the local recipients
/// Route fans out rather than delivering itself (more than <see cref="PipelineOptions.RouteDeliveryLimit"/>).
/// </summary>
public sealed class DeliverHandler(IMailDirectory directory, MailboxDelivery delivery) : IStageHandler
{
    public PipelineStage Stage => PipelineStage.Deliver;

    public async Task<StageOutcome> HandleAsync(MessageEnvelope envelope, StageAttempt attempt, CancellationToken cancellationToken)
    {
        if (envelope.TargetAccountId is null)
        {
            return StageOutcome.DeadLetter("deliver message without a target account");
        }

        var snapshot = await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await delivery.DeliverAsync(envelope, snapshot, head: null, cancellationToken).ConfigureAwait(false);
        }
        catch (SpoolMessageNotFoundException ex)
        {
            return StageOutcome.DeadLetter(ex.Message);
        }

        return StageOutcome.Completed;
    }
}
