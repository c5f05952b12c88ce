using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Core.Spool;

public static class SpoolServiceCollectionExtensions
{
    public static IServiceCollection AddSpool(this IServiceCollection services)
    {
        return services;
    }
}
