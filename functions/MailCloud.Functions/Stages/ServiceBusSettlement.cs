using Azure.Messaging.ServiceBus;
using MailCloud.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace MailCloud.Functions.Stages;

/// <summary>Settles the trigger's message through the Functions host (autoCompleteMessages is off in host.json).</summary>
internal sealed class ServiceBusSettlement(ServiceBusReceivedMessage message, ServiceBusMessageActions actions) : IStageSettlement
{
    public Task CompleteAsync(CancellationToken cancellationToken) => actions.CompleteMessageAsync(message, cancellationToken);

    public Task DeadLetterAsync(string reason, CancellationToken cancellationToken) =>
        actions.DeadLetterMessageAsync(message, deadLetterReason: Truncate(reason), cancellationToken: cancellationToken);

    // Service Bus caps the DeadLetterReason property at 4096 characters.
    private static string Truncate(string reason) => reason.Length <= 4096 ? reason : reason[..4096];
}
