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
    /// for in-process listeners and cost next to nothing.
    /// </summary>
    public static IServiceCollection AddMailCloudTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var appInsights = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var otlpEndpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(MailCloudTelemetry.SourceName, "Azure.*");
                if (!string.IsNullOrWhiteSpace(appInsights))
                {
                    tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = appInsights);
                }

                if (!string.IsNullOrWhiteSpace(otlpEndpoint))
                {
                    tracing.AddOtlpExporter(o => o.Endpoint = new Uri(otlpEndpoint));
                }
            });
        return services;
    }
}
