using MailCloud.Core.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Lists.Distribution;

public static class ListDistributionServiceCollectionExtensions
{
    /// <summary>What Route needs to distribute list posts, including the DMARC policy lookup (section "Dns") the inbound checks use.</summary>
    public static IServiceCollection AddListDistribution(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMessageAuthentication(configuration);
        services.TryAddSingleton<ListHeaderFields>();
        services.TryAddSingleton<AuthorDmarcPolicy>();
        services.TryAddSingleton<ListDistribution>();
        return services;
    }
}
