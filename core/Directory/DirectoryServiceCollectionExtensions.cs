using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Core.Directory;

public static class DirectoryServiceCollectionExtensions
{
    public static IServiceCollection AddMailDirectory(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }
}
