using MailCloud.Core.Lists.Archive;
using MailCloud.Core.Lists.Bounces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Lists;

public static class ListsServiceCollectionExtensions
{
    /// <summary>Registers what mailing lists share: options, member tokens, links and the list's own mail (tokens and mail need the pipeline's options).</summary>
    public static IServiceCollection AddMailingLists(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ListOptions>()
            .Bind(configuration.GetSection(ListOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<ListTokens>();
        services.TryAddSingleton<ListLinks>();
        services.TryAddSingleton<ListMailer>();
        services.AddListArchive(configuration);
        services.AddListSelfService();
        services.AddListBounces();
        services.TryAddSingleton<Unsubscribe.OneClickUnsubscribe>();
        return services;
    }
}
