using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.Configuration;

public enum QueueTransportKind
{
    /// <summary>Azure Storage Queues: local mode on Azurite, and tests.</summary>
    StorageQueues,

    /// <summary>Azure Service Bus: the cloud.</summary>
    ServiceBus,
}

public sealed class QueueingOptions
{
    public const string SectionName = "Queueing";

    public QueueTransportKind Transport { get; set; } = QueueTransportKind.StorageQueues;

    /// <summary>Service Bus connection string; when empty, <see cref="ServiceBusNamespace"/> and managed identity are used.</summary>
    public string? ServiceBusConnectionString { get; set; }

    /// <summary>Fully qualified namespace, e.g. mailcloud-sb.servicebus.windows.net.</summary>
    public string? ServiceBusNamespace { get; set; }

    /// <summary>Deliveries of one queue message before it is dead-lettered.</summary>
    [Range(1, 100)] public int MaxDeliveryCount { get; set; } = 10;

    [Required] public string InboundQueue { get; set; } = QueueNames.Inbound;
    [Required] public string DeliverQueue { get; set; } = QueueNames.Deliver;
    [Required] public string RelayQueue { get; set; } = QueueNames.Relay;
}

/// <summary>The pipeline's queue names; the same names are provisioned in infra/.</summary>
public static class QueueNames
{
    public const string Inbound = "inbound";
    public const string Deliver = "deliver";
    public const string Relay = "relay";

    public static IReadOnlyList<string> All { get; } = [Inbound, Deliver, Relay];
}
