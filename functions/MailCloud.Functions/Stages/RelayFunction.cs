using Azure.Messaging.ServiceBus;
using MailCloud.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace MailCloud.Functions.Stages;

/// <summary>
/// The Relay stage on queue "relay". Thin: the handler decides, <see cref="StageInvoker"/> applies the outcome.
/// An exception leaves the message unsettled, so Service Bus redelivers it (and dead-letters it after MaxDeliveryCount).
/// </summary>
public sealed class RelayFunction(StageInvoker invoker, TimeProvider time)
{
    [Function("Relay")]
    public Task Run(
        [ServiceBusTrigger("%Queueing:RelayQueue%", Connection = "ServiceBus", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions,
        CancellationToken cancellationToken) =>
        invoker.InvokeAsync(PipelineStage.Relay, message.Body, message.DeliveryCount, new ServiceBusSettlement(message, actions, time), cancellationToken);
}
