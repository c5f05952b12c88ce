using Azure.Messaging.ServiceBus;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Same name, namespace and virtual members as the real isolated-worker settlement type
/// (Microsoft.Azure.Functions.Worker.Extensions.ServiceBus), so functions that complete and
/// dead-letter explicitly compile unchanged. The real one talks to the Functions host over gRPC;
/// a stand-in build never runs under a host, so here only subclasses (test doubles) do anything.
/// </summary>
public class ServiceBusMessageActions
{
    /// <summary>For test doubles, as in the real type.</summary>
    protected ServiceBusMessageActions()
    {
    }

    public virtual Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        throw HostOnly();

    public virtual Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = default, CancellationToken cancellationToken = default) =>
        throw HostOnly();

    public virtual Task DeadLetterMessageAsync(
        ServiceBusReceivedMessage message,
        Dictionary<string, object>? propertiesToModify = default,
        string? deadLetterReason = default,
        string? deadLetterErrorDescription = default,
        CancellationToken cancellationToken = default) =>
        throw HostOnly();

    public virtual Task DeferMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = default, CancellationToken cancellationToken = default) =>
        throw HostOnly();

    public virtual Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        throw HostOnly();

    private static NotSupportedException HostOnly() =>
        new("Message settlement needs the Functions host and the real Service Bus extension (build with UseRealServiceBusExtension=true).");
}
