using MailCloud.Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Gateway.Pop3;

public static class Pop3ServiceCollectionExtensions
{
    /// <summary>The POP3 session handler (pop3 and pop3s listeners) and its options (section "Pop3").</summary>
    public static IServiceCollection AddPop3(this IServiceCollection services)
    {
        services.AddOptions<Pop3Options>()
            .BindConfiguration(Pop3Options.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IProtocolSessionHandler, Pop3SessionHandler>();
        return services;
    }
}
