using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailCloud.Cli.Local;

/// <summary>Creates the containers and pipeline queues when missing: a fresh Azurite has none (in Azure, Bicep creates them).</summary>
public static class StoragePreparation
{
    public static async Task EnsureAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<StorageClients>().EnsureContainersAsync(cancellationToken).ConfigureAwait(false);
        var queues = services.GetRequiredService<IOptions<QueueingOptions>>().Value;
        await services.GetRequiredService<IQueueTransport>()
            .EnsureQueuesAsync([queues.InboundQueue, queues.DeliverQueue, queues.RelayQueue], cancellationToken)
            .ConfigureAwait(false);
    }
}
