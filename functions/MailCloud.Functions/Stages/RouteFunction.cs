using Azure.Messaging.ServiceBus;
using MailCloud.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace MailCloud.Functions.Stages;

/// <summary>
/// The Route stage on queue "inbound". Thin: the handler decides, <see cref="StageInvoker"/> applies the outcome.
/// An exception leaves the message unsettled, so Service Bus redelivers it (and dead-letters it after MaxDeliveryCount).
/// </summary>
public sealed class RouteFunction(StageInvoker invoker, TimeProvider time)
{
    [Function("Route")]
    public Task Run(
        [ServiceBusTrigger("%Queueing:InboundQueue%", Connection = "ServiceBus", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions,
        CancellationToken cancellationToken) =>
        invoker.InvokeAsync(PipelineStage.Route, message.Body, message.DeliveryCount, new ServiceBusSettlement(message, actions, time), cancellationToken);
}
