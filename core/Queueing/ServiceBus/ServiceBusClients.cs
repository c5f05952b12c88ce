using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using MailCloud.Core.Configuration;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Queueing.ServiceBus;

/// <summary>
/// The data-plane and administration clients for the configured namespace: a connection string
/// when one is given, otherwise the fully qualified namespace with DefaultAzureCredential.
/// </summary>
public sealed class ServiceBusClients : IAsyncDisposable
{
    public ServiceBusClients(IOptions<QueueingOptions> options, TokenCredential? credential = null)
    {
        var queueing = options.Value;
        if (!string.IsNullOrWhiteSpace(queueing.ServiceBusConnectionString))
        {
            Client = new ServiceBusClient(queueing.ServiceBusConnectionString);
            Administration = new ServiceBusAdministrationClient(queueing.ServiceBusConnectionString);
        }
        else
        {
            var ns = queueing.ServiceBusNamespace ?? throw new OptionsValidationException(QueueingOptions.SectionName, typeof(QueueingOptions), [QueueingServiceCollectionExtensions.ServiceBusSettingsMissing]);
            credential ??= new DefaultAzureCredential();
            Client = new ServiceBusClient(ns, credential);
            Administration = new ServiceBusAdministrationClient(ns, credential);
        }
    }

    public ServiceBusClient Client { get; }

    public ServiceBusAdministrationClient Administration { get; }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
