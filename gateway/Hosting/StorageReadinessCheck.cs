using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Hosting;

/// <summary>/readyz: the gateway can accept mail only while the spool container and the inbound queue answer.</summary>
internal sealed class StorageReadinessCheck(StorageClients storage, IQueueTransport queues, IOptions<QueueingOptions> queueing) : IHealthCheck
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
                await queues.GetDepthAsync(inbound, cancellationToken).ConfigureAwait(false);
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("storage or the inbound queue is unreachable", ex);
        }
    }
}
