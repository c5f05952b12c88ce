using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp.Acceptance;
using MailCloud.Gateway.Smtp.Session;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Smtp;

public static class SmtpServiceCollectionExtensions
{
    /// <summary>
    /// The SMTP session handler (MX and submission listeners), what its sessions share, and its
    /// options (section "Smtp", validated at start). Like AddImap and AddPop3; the sender
    /// authentication checks it runs come from core's AddMessageAuthentication.
    /// </summary>
    public static IServiceCollection AddSmtp(this IServiceCollection services)
    {
        services.AddOptions<SmtpOptions>()
            .BindConfiguration(SmtpOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SmtpOptions>, SmtpOptionsValidator>();
        services.AddSingleton<MessageAcceptor>();
        services.AddSingleton<ClientRateLimits>();
        services.AddSingleton<SmtpServices>();
        services.AddSingleton<IProtocolSessionHandler, SmtpSessionHandler>();
        return services;
    }
}
