using MailCloud.Core.Certificates;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// The connection framework: Kestrel listeners from <see cref="GatewayOptions"/> (or
    /// <paramref name="defaultListeners"/> when configuration names none), TLS, limits, PROXY
    /// protocol, the user authenticator with its throttle, and the health checks. Protocols register their
    /// <see cref="IProtocolSessionHandler"/> separately (AddSmtp, AddImap, AddPop3).
    /// </summary>
    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration, IReadOnlyList<ListenerOptions> defaultListeners)
    {
        services.AddOptions<GatewayOptions>()
            .Bind(configuration.GetSection(GatewayOptions.SectionName))
            .PostConfigure(o =>
            {
                if (o.Listeners.Count == 0)
                {
                    o.Listeners = DefaultListeners.Copy(defaultListeners);
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();

        services.AddOptions<AuthenticationThrottleOptions>()
            .Bind(configuration.GetSection(AuthenticationThrottleOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.BaseDelay >= TimeSpan.Zero && o.MaxDelay >= o.BaseDelay && o.LockoutDuration > TimeSpan.Zero && o.FailureWindow > TimeSpan.Zero,
                "AuthenticationThrottle delays and durations must be positive, MaxDelay >= BaseDelay.")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ServerCertificate>();
        services.AddCertificateStore(configuration);
        services.AddHostedService<StoredCertificateReloader>();
        services.AddSingleton<IAuthenticationThrottle, AuthenticationThrottle>();
        services.AddSingleton<UserAuthenticator>();
        services.AddSingleton<BoundListeners>();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelListenerSetup>();
        services.AddHealthChecks().AddCheck<StorageReadinessCheck>("storage", tags: [ReadinessTag]);
        return services;
    }

    internal const string ReadinessTag = "ready";
}
