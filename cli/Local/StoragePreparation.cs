using System.CommandLine;
using MailCloud.Core.Certificates;
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
        var storage = services.GetRequiredService<StorageClients>();
        await storage.EnsureContainersAsync(cancellationToken).ConfigureAwait(false);
        // The certificate store's and HTTP-01 challenges' container (section "Certificates").
        var certificates = services.GetRequiredService<IOptions<CertificateStoreOptions>>().Value;
        await storage.Blobs.GetBlobContainerClient(certificates.Container).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var queues = services.GetRequiredService<IOptions<QueueingOptions>>().Value;
        await services.GetRequiredService<IQueueTransport>()
            .EnsureQueuesAsync([queues.InboundQueue, queues.DeliverQueue, queues.RelayQueue], cancellationToken)
            .ConfigureAwait(false);
    }
}
