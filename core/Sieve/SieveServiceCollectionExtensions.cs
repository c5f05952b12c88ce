using MailCloud.Core.Sieve.Actions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Core.Sieve;

public static class SieveServiceCollectionExtensions
{
    /// <summary>Sieve (issue 13): options "Sieve" validated at start, and what carries out a script's actions (it needs <c>AddMailPipeline</c> to run).</summary>
    public static IServiceCollection AddSieve(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SieveOptions>().Bind(configuration.GetSection(SieveOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<VacationMemory>();
        services.AddSingleton<SieveActionExecutor>();
        return services;
    }
}
