namespace MailCloud.Core.Pipeline;

/// <summary>Settles the queue message being handled: the one thing that differs between Service Bus (Functions) and the local runner.</summary>
public interface IStageSettlement
{
    Task CompleteAsync(CancellationToken cancellationToken);

    Task DeadLetterAsync(string reason, CancellationToken cancellationToken);
}

/// <summary>
/// A settlement whose message is held under a lease that runs out (a Storage Queue visibility
/// timeout, a Service Bus lock): <see cref="StageInvoker"/> renews it while the handler works, so a
/// slow stage is not handed to a second consumer meanwhile.
/// </summary>
public interface ILeasedSettlement : IStageSettlement
{
    /// <summary>When the lease taken at receive ends.</summary>
    DateTimeOffset LeaseExpiresAt { get; }

    /// <summary>Extends the lease and returns when it now ends; never called at the same time as a settlement.</summary>
    Task<DateTimeOffset> RenewLeaseAsync(CancellationToken cancellationToken);
}
