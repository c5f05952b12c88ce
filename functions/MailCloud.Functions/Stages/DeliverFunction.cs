using Azure.Messaging.ServiceBus;
using MailCloud.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace MailCloud.Functions.Stages;

/// <summary>
/// The Deliver stage on queue "deliver". Thin: the handler decides, <see cref="StageInvoker"/> applies the outcome.
/// An exception leaves the message unsettled, so Service Bus redelivers it (and dead-letters it after MaxDeliveryCount).
/// </summary>
public sealed class DeliverFunction(StageInvoker invoker, TimeProvider time)
{
    [Function("Deliver")]
    public Task Run(
        [ServiceBusTrigger("%Queueing:DeliverQueue%", Connection = "ServiceBus", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions,
        CancellationToken cancellationToken) =>
        invoker.InvokeAsync(PipelineStage.Deliver, message.Body, message.DeliveryCount, new ServiceBusSettlement(message, actions, time), cancellationToken);
}
