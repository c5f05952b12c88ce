using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.ManageSieve.Session;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.ManageSieve;

public static class ManageSieveServiceCollectionExtensions
{
    /// <summary>
    /// The ManageSieve session handler (RFC 5804, the sieve listener), what its sessions share, and its options
    /// (section "ManageSieve", validated at start). Like AddPop3; needs the Sieve store and checker (AddSieve).
    /// </summary>
    public static IServiceCollection AddManageSieve(this IServiceCollection services)
    {
        services.AddOptions<ManageSieveOptions>()
            .BindConfiguration(ManageSieveOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ManageSieveServices>();
        services.AddSingleton<IProtocolSessionHandler, ManageSieveSessionHandler>();
        return services;
    }
}
