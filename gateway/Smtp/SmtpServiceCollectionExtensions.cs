using MailCloud.Core.Authentication;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp.Acceptance;
using MailCloud.Gateway.Smtp.Session;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Smtp;

public static class SmtpServiceCollectionExtensions
{
    /// <summary>The SMTP session handler (MX and submission listeners), its options (section "Smtp") and the sender authentication checks it runs (section "Dns").</summary>
    public static IServiceCollection AddSmtp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SmtpOptions>()
            .Bind(configuration.GetSection(SmtpOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMessageAuthentication(configuration);
        services.AddSingleton<MessageAcceptor>();
        services.AddSingleton<SmtpSessionServices>();
        services.AddSingleton<IProtocolSessionHandler, SmtpSessionHandler>();
        return services;
    }
}
