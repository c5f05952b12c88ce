namespace MailCloud.Core.Queueing;

/// <summary>A received message's lease ran out (or it was settled) before it was renewed: another consumer may have it now.</summary>
public sealed class QueueLeaseLostException(string queueName, string messageId, Exception? inner = null)
    : Exception($"The lease on message '{messageId}' of queue '{queueName}' is lost.", inner)
{
    public string QueueName { get; } = queueName;
    public string MessageId { get; } = messageId;
}
