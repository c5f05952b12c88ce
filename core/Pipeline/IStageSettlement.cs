namespace MailCloud.Core.Pipeline;

/// <summary>Settles the queue message being handled: the one thing that differs between Service Bus (Functions) and the local runner.</summary>
public interface IStageSettlement
{
    Task CompleteAsync(CancellationToken cancellationToken);

    Task DeadLetterAsync(string reason, CancellationToken cancellationToken);
}
