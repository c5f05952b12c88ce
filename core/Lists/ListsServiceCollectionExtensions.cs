using MailCloud.Core.Lists.Bounces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Lists;

public static class ListsServiceCollectionExtensions
{
    /// <summary>
    /// Registers what mailing lists share (options, member tokens, links, the list's own mail) and what the admin commands and the
    /// HTTP surface use too: requests, moderation, bounces, one-click unsubscribe. Distribution and the archive's delivery need the
    /// pipeline, so AddMailPipeline registers them.
    /// </summary>
    public static IServiceCollection AddMailingLists(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ListOptions>()
            .Bind(configuration.GetSection(ListOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<ListTokens>();
        services.TryAddSingleton<ListLinks>();
        services.TryAddSingleton<ListMailer>();
        services.AddListSelfService();
        services.AddListBounces();
        services.TryAddSingleton<Unsubscribe.OneClickUnsubscribe>();
        return services;
    }
}
