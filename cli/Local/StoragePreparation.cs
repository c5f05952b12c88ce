using System.CommandLine;
using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailCloud.Cli.Local;

/// <summary>Creates the containers and pipeline queues when missing: a fresh Azurite has none (in Azure, Bicep creates them).</summary>
public static class StoragePreparation
{
    /// <summary>The <c>--ensure-storage</c> option of the commands that run a service on storage of their own.</summary>
    public static Option<bool> CreateOption() => new("--ensure-storage")
    {
        Description = "Create the storage containers and queues first if missing (a fresh Azurite; in Azure, Bicep creates them).",
    };

    public static async Task EnsureAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<StorageClients>().EnsureContainersAsync(cancellationToken).ConfigureAwait(false);
        var queues = services.GetRequiredService<IOptions<QueueingOptions>>().Value;
        await services.GetRequiredService<IQueueTransport>()
            .EnsureQueuesAsync([queues.InboundQueue, queues.DeliverQueue, queues.RelayQueue], cancellationToken)
            .ConfigureAwait(false);
    }
}
