using MailCloud.Core.Sieve.Actions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Core.Sieve;

public static class SieveServiceCollectionExtensions
{
    /// <summary>
    /// Sieve (issue 13): options "Sieve", validated at start. What carries out a script's actions needs the
    /// pipeline, so <c>AddMailPipeline</c> registers it (hosts with the core alone validate their services on build).
    /// </summary>
    public static IServiceCollection AddSieve(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SieveOptions>().Bind(configuration.GetSection(SieveOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
