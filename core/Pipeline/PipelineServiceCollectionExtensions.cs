using System.Net;
using DnsClient;
using MailCloud.Core.Lists.Archive;
using MailCloud.Core.Lists.Distribution;
using MailCloud.Core.Pipeline.Bounce;
using MailCloud.Core.Pipeline.Deliver;
using MailCloud.Core.Pipeline.Housekeeping;
using MailCloud.Core.Pipeline.Local;
using MailCloud.Core.Pipeline.Relay;
using MailCloud.Core.Pipeline.Route;
using MailCloud.Core.Pipeline.State;
using MailCloud.Core.Queueing;
using MailCloud.Core.Sieve.Actions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// The stage handlers and what they need (options "Pipeline", "Relay", "Dkim", validated at
    /// start). Expects <c>AddMailCloudCore</c> for storage, directory, spool, mailboxes and queues.
    /// </summary>
    public static IServiceCollection AddMailPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PipelineOptions>().Bind(configuration.GetSection(PipelineOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RelayOptions>().Bind(configuration.GetSection(RelayOptions.SectionName)).ValidateOnStart();
        services.AddOptions<DkimOptions>().Bind(configuration.GetSection(DkimOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RelayOptions>, RelayOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DkimOptions>, DkimOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<PipelineMarkers>();
        services.AddSingleton<BounceSender>();
        services.AddSingleton<SenderRewritingScheme>();
        services.AddSingleton<RecipientExpander>();
        services.AddListDistribution(configuration);
        services.AddListArchive(configuration);
        services.AddSingleton<ILookupClient>(sp => CreateLookupClient(sp.GetRequiredService<IOptions<RelayOptions>>().Value));
        services.AddSingleton<MxResolver>();
        services.AddSingleton<DkimMessageSigner>();
        services.AddSingleton<SmtpRelayClient>();
        services.AddSingleton<RelayThrottle>();
        services.AddSingleton<SpoolRetention>();
        services.AddSingleton<SpoolSweeper>();
        services.AddSingleton<MailboxFiler>();
        services.AddSingleton<VacationMemory>();
        services.AddSingleton<SieveActionExecutor>();
        services.AddSingleton<SieveFilter>();
        services.AddSingleton<MailboxDelivery>();

        services.AddSingleton<IStageHandler, RouteHandler>();
        services.AddSingleton<IStageHandler, DeliverHandler>();
        services.AddSingleton<IStageHandler, RelayHandler>();
        services.AddSingleton<StageInvoker>();
        return services;
    }

    /// <summary>One <see cref="LocalStageRunner"/> per stage plus the housekeeping sweep: the pipeline under a plain .NET host.</summary>
    public static IServiceCollection AddLocalPipelineRunner(this IServiceCollection services)
    {
        foreach (var stage in Enum.GetValues<PipelineStage>())
        {
            // Not AddHostedService: it registers one instance per implementation type, and there is one runner per stage.
            services.AddSingleton<IHostedService>(sp => new LocalStageRunner(
                stage,
                sp.GetRequiredService<StageInvoker>(),
                sp.GetRequiredService<IQueueTransport>(),
                sp.GetRequiredService<IOptions<PipelineOptions>>(),
                sp.GetRequiredService<IOptions<Configuration.QueueingOptions>>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<LocalStageRunner>>()));
        }

        services.AddHostedService<SpoolHousekeepingService>();
        return services;
    }

    private static LookupClient CreateLookupClient(RelayOptions options)
    {
        var servers = options.DnsServers.Select(IPEndPoint.Parse).Select(ep => ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep).ToArray();
        var lookup = servers.Length > 0 ? new LookupClientOptions(servers) : new LookupClientOptions();
        lookup.Timeout = options.DnsTimeout;
        lookup.UseCache = true;
        lookup.ThrowDnsErrors = false;
        lookup.ContinueOnDnsError = false;
        return new LookupClient(lookup);
    }
}
