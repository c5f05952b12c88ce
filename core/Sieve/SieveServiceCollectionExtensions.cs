using MailCloud.Core.Sieve.Scripts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Sieve;

public static class SieveServiceCollectionExtensions
{
    /// <summary>Registers the Sieve script store (<see cref="SieveScriptOptions"/>, section "Sieve", validated at start).</summary>
    public static IServiceCollection AddSieve(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SieveScriptOptions>()
            .Bind(configuration.GetSection(SieveScriptOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<BlobSieveScriptStore>();
        services.TryAddSingleton<ISieveScriptStore>(provider => provider.GetRequiredService<BlobSieveScriptStore>());
        return services;
    }
}
