using MailCloud.Core.Sieve.Language;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Core.Sieve;

public static class SieveServiceCollectionExtensions
{
    /// <summary>Registers the Sieve language (checker, interpreter), the script store and carrying out a script's actions.</summary>
    public static IServiceCollection AddSieve(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ISieveScriptChecker, SieveScriptChecker>();
        return services;
    }
}
