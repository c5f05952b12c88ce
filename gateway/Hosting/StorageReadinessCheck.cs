using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing;
using MailCloud.Core.Queueing.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// /readyz: the gateway can accept mail only while the spool container and the inbound queue answer. It checks
/// only what the gateway's identity may do (Storage Blob Data Contributor, Azure Service Bus Data Sender): read
/// the spool container's properties, and open a send link to the inbound queue. It never reads queue runtime
/// properties, which need the Manage right the gateway does not have.
/// </summary>
internal sealed class StorageReadinessCheck(StorageClients storage, IServiceProvider services, IOptions<QueueingOptions> queueing) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!await storage.Spool.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                return HealthCheckResult.Unhealthy($"spool container '{storage.Spool.Name}' does not exist");
            }

            var inbound = queueing.Value.InboundQueue;
            if (queueing.Value.Transport == QueueTransportKind.StorageQueues)
            {
                // The transport reports a missing Storage queue as empty; ask the service directly.
                if (!await storage.Queues.GetQueueClient(inbound).ExistsAsync(cancellationToken).ConfigureAwait(false))
                {
                    return HealthCheckResult.Unhealthy($"inbound queue '{inbound}' does not exist");
                }
            }
            else
            {
                // Creating a batch opens the AMQP send link, and the broker attaches it only for an identity with
                // the Send right on an existing queue; nothing is sent. The connection is the shared client's.
                var client = services.GetRequiredService<ServiceBusClients>().Client;
                await using var sender = client.CreateSender(inbound);
                using var batch = await sender.CreateMessageBatchAsync(cancellationToken).ConfigureAwait(false);
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("storage or the inbound queue is unreachable", ex);
        }
    }
}
