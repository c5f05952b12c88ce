using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Spool;

public static class SpoolServiceCollectionExtensions
{
    /// <summary>Registers <see cref="BlobSpool"/> as the <see cref="ISpool"/> (needs StorageClients).</summary>
    public static IServiceCollection AddSpool(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ISpool, BlobSpool>();
        return services;
    }
}
