using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Core.ClientSetup;

public static class ClientSetupServiceCollectionExtensions
{
    /// <summary>Registers <see cref="ClientSetupRequests"/> and its validated options.</summary>
    public static IServiceCollection AddClientSetup(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClientSetupOptions>()
            .Bind(configuration.GetSection(ClientSetupOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ClientSetupRequests>();
        return services;
    }
}
