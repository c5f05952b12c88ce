namespace MailCloud.Core.Queueing;

/// <summary>A message is larger than the transport carries; queue messages hold envelopes, never mail.</summary>
public sealed class QueueMessageTooLargeException(string queueName, string messageId, long size, long limit)
    : Exception($"Message '{messageId}' for queue '{queueName}' is {size} bytes encoded; the transport's limit is {limit}.")
{
    public string QueueName { get; } = queueName;
    public string MessageId { get; } = messageId;
    public long Size { get; } = size;
    public long Limit { get; } = limit;
}
