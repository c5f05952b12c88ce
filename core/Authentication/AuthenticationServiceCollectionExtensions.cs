using MailCloud.Core.Authentication.Arc;
using MailCloud.Core.Authentication.Dkim;
using MailCloud.Core.Authentication.Dmarc;
using MailCloud.Core.Authentication.Dns;
using MailCloud.Core.Authentication.Dnsbl;
using MailCloud.Core.Authentication.Spf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Authentication;

public static class AuthenticationServiceCollectionExtensions
{
    /// <summary>The sender authentication checks, the DNS blocklist check, and the resolver they ask (section "Dns", validated at start).</summary>
    public static IServiceCollection AddMessageAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        // Once: the gateway and list distribution in the pipeline both ask for it, and binding "Dns" twice would repeat its servers.
        if (services.Any(d => d.ServiceType == typeof(MessageAuthenticator)))
        {
            return services;
        }

        services.AddOptions<DnsOptions>()
            .Bind(configuration.GetSection(DnsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DnsOptions>, DnsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDnsResolver, DnsClientResolver>();
        services.AddSingleton<SpfEvaluator>();
        services.AddSingleton<DkimKeyLocator>();
        services.AddSingleton<DkimChecker>();
        services.AddSingleton<ArcChecker>();
        services.AddSingleton(_ => PublicSuffixList.LoadEmbedded());
        services.AddSingleton<DmarcEvaluator>();
        services.AddSingleton<MessageAuthenticator>();
        services.AddSingleton<DnsBlocklistChecker>();
        return services;
    }
}
