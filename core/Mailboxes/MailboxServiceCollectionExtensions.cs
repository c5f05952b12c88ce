using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Mailboxes;

public static class MailboxServiceCollectionExtensions
{
    /// <summary>Registers the table mailbox store as the singleton <see cref="IMailboxStore"/>, with <see cref="MailboxStoreOptions"/> validated at start.</summary>
    public static IServiceCollection AddMailboxStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MailboxStoreOptions>()
            .Bind(configuration.GetSection(MailboxStoreOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IMailboxStore, TableMailboxStore>();
        services.AddSingleton<MailboxBlobSweeper>();
        return services;
    }
}
