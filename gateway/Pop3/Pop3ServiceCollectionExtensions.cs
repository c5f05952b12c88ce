using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Pop3.Session;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Pop3;

public static class Pop3ServiceCollectionExtensions
{
    /// <summary>
    /// The POP3 session handler (pop3 and pop3s listeners), what its sessions share, and its options
    /// (section "Pop3", validated at start). Like AddSmtp and AddImap.
    /// </summary>
    public static IServiceCollection AddPop3(this IServiceCollection services)
    {
        services.AddOptions<Pop3Options>()
            .BindConfiguration(Pop3Options.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<Pop3Services>();
        services.AddSingleton<IProtocolSessionHandler, Pop3SessionHandler>();
        return services;
    }
}
