using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Lists.Bounces;

public static class ListBouncesServiceCollectionExtensions
{
    /// <summary>Bounce processing: the parser's store, the processor Route calls, the notices and the housekeeping sweep.</summary>
    public static IServiceCollection AddListBounces(this IServiceCollection services)
    {
        services.TryAddSingleton<ListBounceStore>();
        services.TryAddSingleton<ListBounceNotices>();
        services.TryAddSingleton<ListBounceProcessor>();
        services.TryAddSingleton<ListBounceSweeper>();
        return services;
    }
}
