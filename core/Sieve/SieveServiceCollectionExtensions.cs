using MailCloud.Core.Sieve.Actions;
using MailCloud.Core.Sieve.Language;
using MailCloud.Core.Sieve.Scripts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Sieve;

public static class SieveServiceCollectionExtensions
{
    /// <summary>Registers the Sieve language (checker, interpreter), the script store and carrying out a script's actions.</summary>
    public static IServiceCollection AddSieve(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SieveLanguageOptions>()
            .Bind(configuration.GetSection(SieveLanguageOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<SieveScriptOptions>()
            .Bind(configuration.GetSection(SieveScriptOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // The limits on what a script makes delivery do; the executor itself needs the pipeline, so AddMailPipeline registers it.
        services.AddOptions<SieveOptions>().Bind(configuration.GetSection(SieveOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ISieveScriptChecker, SieveScriptChecker>();
        services.AddSingleton<ISieveInterpreter, SieveInterpreter>();
        services.TryAddSingleton<BlobSieveScriptStore>();
        services.TryAddSingleton<ISieveScriptStore>(provider => provider.GetRequiredService<BlobSieveScriptStore>());
        services.TryAddSingleton<ISieveScriptSource>(provider => provider.GetRequiredService<BlobSieveScriptStore>());
        return services;
    }
}
