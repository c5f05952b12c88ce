using MailCloud.Core;
using MailCloud.Core.Authentication;
using MailCloud.Core.Diagnostics;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway;

/// <summary>
/// Builds the gateway host: the core services, the connection framework, SMTP, and whatever
/// <paramref name="configureServices"/> adds (IMAP, POP3, local-mode extras). Used by
/// <c>mailcloud gateway</c> (the container), <c>mailcloud dev</c> and the tests.
/// </summary>
public static class GatewayApplication
{
    public static WebApplication Build(
        IConfiguration configuration,
        IReadOnlyList<ListenerOptions> defaultListeners,
        Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);

        builder.Services.AddMailCloudCore(builder.Configuration);
        builder.Services.AddMailCloudTelemetry(builder.Configuration, "mailcloud-gateway");
        builder.Services.AddLogEscaping();
        builder.Services.AddGateway(builder.Configuration, defaultListeners);
        builder.Services.AddMessageAuthentication(builder.Configuration);
        builder.Services.AddSmtp();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        // Liveness runs no checks (the process answers); readiness checks storage and the inbound queue.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(GatewayServiceCollectionExtensions.ReadinessTag) });
        app.MapAcmeChallenge();
        return app;
    }
}
