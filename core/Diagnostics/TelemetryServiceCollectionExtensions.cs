using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MailCloud.Core.Diagnostics;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Traces from the MailCloud source and the Azure SDK, exported to Application Insights when
    /// APPLICATIONINSIGHTS_CONNECTION_STRING is set (Azure) and over OTLP when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set (any collector); with neither, spans are created only
    /// for in-process listeners and cost next to nothing. Application Insights with local auth
    /// disabled takes only Entra tokens: APPLICATIONINSIGHTS_AUTHENTICATION_STRING says which identity
    /// signs them (<see cref="ExporterCredential"/>).
    /// </summary>
    public static IServiceCollection AddMailCloudTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var appInsights = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var credential = ExporterCredential(configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        var otlpEndpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(MailCloudTelemetry.SourceName, "Azure.*");
                if (!string.IsNullOrWhiteSpace(appInsights))
                {
                    tracing.AddAzureMonitorTraceExporter(o =>
                    {
                        o.ConnectionString = appInsights;
                        o.Credential = credential;
                    });
                }

                if (!string.IsNullOrWhiteSpace(otlpEndpoint))
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = new Uri(otlpEndpoint));
                }
            });
        return services;
    }

    /// <summary>
    /// The exporter's Entra credential from an authentication string in the form App Service and the Functions
    /// host read: <c>Authorization=AAD</c> (DefaultAzureCredential) or <c>Authorization=AAD;ClientId=&lt;id&gt;</c>
    /// (that user-assigned managed identity). Null when unset or not AAD: the exporter then sends the
    /// instrumentation key alone, which a resource with local auth disabled rejects.
    /// </summary>
    public static TokenCredential? ExporterCredential(string? authenticationString)
    {
        var parts = (authenticationString ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);

        if (!parts.TryGetValue("Authorization", out var authorization) || !authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId) && !string.IsNullOrWhiteSpace(clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential();
    }
}
