using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Same name, namespace and members as the real isolated-worker Service Bus trigger
/// (Microsoft.Azure.Functions.Worker.Extensions.ServiceBus), for builds where that package is unavailable.
/// </summary>
public sealed class ServiceBusTriggerAttribute : TriggerBindingAttribute, ISupportCardinality
{
    public ServiceBusTriggerAttribute(string queueName)
    {
        QueueName = queueName;
    }

    public ServiceBusTriggerAttribute(string topicName, string subscriptionName)
    {
        TopicName = topicName;
        SubscriptionName = subscriptionName;
    }

    public string? Connection { get; set; }

    public string? QueueName { get; }

    public string? TopicName { get; }

    public string? SubscriptionName { get; }

    /// <summary>The Worker SDK's metadata generator reads this default (and fails without it).</summary>
    [DefaultValue(false)]
    public bool IsBatched { get; set; }

    public bool IsSessionsEnabled { get; set; }

    public bool AutoCompleteMessages { get; set; } = true;

    Cardinality ISupportCardinality.Cardinality
    {
        get => IsBatched ? Cardinality.Many : Cardinality.One;
        set => IsBatched = value == Cardinality.Many;
    }
}
