using MailCloud.Core.Lists.Moderation;
using MailCloud.Core.Lists.Requests;
using MailCloud.Core.Lists.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Lists;

public static class ListSelfServiceCollectionExtensions
{
    /// <summary>Self-service membership and moderation: the state stores, the request robot, the moderator and their sweep.</summary>
    public static IServiceCollection AddListSelfService(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PendingRequestStore>();
        services.TryAddSingleton<HeldPostStore>();
        services.TryAddSingleton<HeldPostModerator>();
        services.TryAddSingleton<ListRequestHandler>();
        services.TryAddSingleton<ListStateSweeper>();
        return services;
    }
}
