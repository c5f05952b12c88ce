using System.CommandLine;
using MailCloud.Cli.Local;
using MailCloud.Core;
using MailCloud.Core.Configuration;
using MailCloud.Core.Diagnostics;
using MailCloud.Core.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MailCloud.Cli.Commands;

/// <summary>
/// <c>mailcloud pipeline</c>: the pipeline stages alone (Route, Deliver, Relay, and the housekeeping
/// sweep), pumped from the storage queues as <c>mailcloud dev</c> pumps them, so that the gateway
/// (<c>mailcloud gateway</c>) and the pipeline run as separate processes, as they do in Azure. Any
/// number may run at once: the queues hand each message to one of them at a time. Storage is the
/// configured one (Storage__ConnectionString, ...), else the Azurite of a running <c>mailcloud dev</c>
/// from this clone. SIGTERM or Ctrl-C stops it: handlers in flight finish, and what they did not
/// finish comes back from the queue after its visibility timeout.
/// </summary>
public static class PipelineCommand
{
    public static Command Create()
    {
        var ensureStorage = StoragePreparation.CreateOption();
        var command = new Command("pipeline", "Run the pipeline stages alone (route, deliver, relay, housekeeping) from the storage queues.") { ensureStorage };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(ensureStorage), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(bool ensureStorage, CancellationToken cancellationToken)
    {
        if (BuildConfiguration() is not { } configuration)
        {
            await Console.Error.WriteLineAsync(
                "error: no storage to run the pipeline on: set Storage__ConnectionString (or Storage__BlobServiceUri), " +
                "or start `mailcloud dev` in this clone.").ConfigureAwait(false);
            return 1;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.Services.AddMailCloudCore(builder.Configuration);
        builder.Services.AddMailCloudTelemetry(builder.Configuration, "mailcloud-pipeline");
        builder.Services.AddMailPipeline(builder.Configuration);
        builder.Services.AddLocalPipelineRunner();
        using var host = builder.Build();
        try
        {
            if (ensureStorage)
            {
                await StoragePreparation.EnsureAsync(host.Services, cancellationToken).ConfigureAwait(false);
            }

            // IHost.RunAsync: stops gracefully on Ctrl-C / SIGTERM (the console lifetime) or when the command is cancelled.
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>
    /// Local mode's pipeline settings when run from a clone, under appsettings.json and the environment
    /// (which win); the storage of a running <c>mailcloud dev</c> when none is configured; null when there is none.
    /// </summary>
    private static IConfiguration? BuildConfiguration()
    {
        var paths = LocalPaths.TryDiscover();
        var configured = CliConfiguration.Build();
        var builder = new ConfigurationBuilder();
        if (paths is not null)
        {
            builder.AddInMemoryCollection(LocalPipelineSettings.For(paths));
        }

        if (!StorageSession.IsConfigured(configured))
        {
            if (paths is null || DevState.ReadIfRunning(paths) is not { } dev)
            {
                return null;
            }

            builder.AddInMemoryCollection(new Dictionary<string, string?> { [$"{StorageOptions.SectionName}:ConnectionString"] = dev.StorageConnectionString });
        }

        return builder.AddConfiguration(configured).Build();
    }
}
