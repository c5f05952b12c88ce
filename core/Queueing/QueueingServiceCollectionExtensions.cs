using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing.ServiceBus;
using MailCloud.Core.Queueing.StorageQueues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Queueing;

public static class QueueingServiceCollectionExtensions
{
    internal const string ServiceBusSettingsMissing =
        "Queueing:ServiceBusConnectionString or Queueing:ServiceBusNamespace must be set when Queueing:Transport is ServiceBus.";

    /// <summary>
    /// Registers the <see cref="IQueueTransport"/> that <see cref="QueueingOptions.Transport"/> names:
    /// <see cref="StorageQueueTransport"/> (needs StorageClients) or <see cref="ServiceBusQueueTransport"/>.
    /// </summary>
    public static IServiceCollection AddQueueTransport(this IServiceCollection services)
    {
        services.AddOptions<QueueingOptions>()
            .Validate(
                o => o.Transport != QueueTransportKind.ServiceBus
                     || !string.IsNullOrWhiteSpace(o.ServiceBusConnectionString)
                     || !string.IsNullOrWhiteSpace(o.ServiceBusNamespace),
                ServiceBusSettingsMissing);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ServiceBusClients>();
        services.TryAddSingleton<IQueueTransport>(sp => sp.GetRequiredService<IOptions<QueueingOptions>>().Value.Transport switch
        {
            QueueTransportKind.StorageQueues => ActivatorUtilities.CreateInstance<StorageQueueTransport>(sp),
            QueueTransportKind.ServiceBus => CreateServiceBusTransport(sp),
            var other => throw new InvalidOperationException($"Unknown queue transport {other}."),
        });
        return services;
    }

    private static ServiceBusQueueTransport CreateServiceBusTransport(IServiceProvider services)
    {
        var clients = services.GetRequiredService<ServiceBusClients>();
        return new ServiceBusQueueTransport(
            clients.Client,
            clients.Administration,
            services.GetRequiredService<IOptions<QueueingOptions>>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<ServiceBusQueueTransport>>());
    }
}
