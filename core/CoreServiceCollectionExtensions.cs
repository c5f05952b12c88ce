using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Queueing;
using MailCloud.Core.Sieve;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Registers storage, the directory, the spool, the mailbox store, the queue transport and Sieve.</summary>
    public static IServiceCollection AddMailCloudCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.UsesConnectionString || o.BlobServiceUri is not null, "Storage:ConnectionString or Storage:BlobServiceUri must be set.")
            .ValidateOnStart();
        services.AddOptions<QueueingOptions>()
            .Bind(configuration.GetSection(QueueingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<StorageClients>();

        services.AddMailDirectory(configuration);
        services.AddSpool();
        services.AddMailboxStore(configuration);
        services.AddQueueTransport();
        services.AddSieve(configuration);
        services.AddMailingLists(configuration);
        return services;
    }
}
