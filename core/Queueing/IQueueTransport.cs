namespace MailCloud.Core.Queueing;

/// <summary>
/// The one small queue interface the pipeline needs, with two real implementations:
/// Azure Storage Queues (local, tests) and Azure Service Bus (cloud).
/// Delivery is at least once; consumers must be idempotent.
/// </summary>
public interface IQueueTransport
{
    /// <summary>
    /// The largest <see cref="OutgoingMessage.Body"/> this transport carries, with room left for what
    /// it adds itself (ids, dead-letter reasons). Producers keep envelopes under it by design.
    /// </summary>
    int MaxMessageBodySize { get; }

    /// <summary>Creates the queues (and their dead-letter queues) if the transport allows it.</summary>
    Task EnsureQueuesAsync(IEnumerable<string> queueNames, CancellationToken cancellationToken);

    /// <summary>Sends a message, visible after <paramref name="delay"/> when given.</summary>
    Task SendAsync(string queueName, OutgoingMessage message, TimeSpan? delay, CancellationToken cancellationToken);

    /// <summary>Receives up to <paramref name="maxMessages"/>; each stays invisible to others for <paramref name="visibilityTimeout"/>.</summary>
    Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(string queueName, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps a received message from other consumers for <paramref name="visibilityTimeout"/> more
    /// (Storage Queues; Service Bus renews the lock for the queue's own lock duration) and returns when
    /// the lease now ends. Renewals and settlement of one message must not overlap. Throws
    /// <see cref="QueueLeaseLostException"/> when the message is no longer held.
    /// </summary>
    Task<DateTimeOffset> RenewLeaseAsync(ReceivedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken);

    /// <summary>Removes a handled message.</summary>
    Task CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken);

    /// <summary>Makes the message visible again after <paramref name="delay"/>, counting one more delivery.</summary>
    Task RetryLaterAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Moves the message to the queue's dead-letter queue with a reason; it stays there until replayed or purged.</summary>
    Task DeadLetterAsync(ReceivedMessage message, string reason, CancellationToken cancellationToken);

    Task<QueueDepth> GetDepthAsync(string queueName, CancellationToken cancellationToken);

    /// <summary>Messages waiting in a queue, oldest first, without receiving them (for operators).</summary>
    Task<IReadOnlyList<PeekedMessage>> PeekAsync(string queueName, int maxMessages, CancellationToken cancellationToken);

    /// <summary>Dead-lettered messages of a queue, oldest first, without removing them.</summary>
    Task<IReadOnlyList<DeadLetteredMessage>> PeekDeadLettersAsync(string queueName, int maxMessages, CancellationToken cancellationToken);

    /// <summary>Moves dead-lettered messages back to their queue (all, or the one with <paramref name="messageId"/>). Returns how many.</summary>
    Task<int> ReplayDeadLettersAsync(string queueName, string? messageId, CancellationToken cancellationToken);

    /// <summary>Deletes every message of the queue's dead-letter queue, or of the queue itself. Returns how many.</summary>
    Task<int> PurgeAsync(string queueName, bool deadLetters, CancellationToken cancellationToken);
}

/// <summary>A message to send. <see cref="MessageId"/> lets Service Bus drop duplicates.</summary>
public sealed record OutgoingMessage(string MessageId, BinaryData Body);

/// <summary>
/// A message handed to a consumer, hidden from others until <see cref="LeaseExpiresAt"/> unless
/// renewed. <see cref="TransportState"/> belongs to the transport.
/// </summary>
public sealed record ReceivedMessage(
    string QueueName,
    string MessageId,
    BinaryData Body,
    int DeliveryCount,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset LeaseExpiresAt,
    object TransportState);

/// <summary>A queued message as seen by a peek: nothing is locked or counted.</summary>
public sealed record PeekedMessage(
    string QueueName,
    string MessageId,
    BinaryData Body,
    int DeliveryCount,
    DateTimeOffset EnqueuedAt);

public sealed record DeadLetteredMessage(
    string QueueName,
    string MessageId,
    BinaryData Body,
    string Reason,
    DateTimeOffset DeadLetteredAt);

public sealed record QueueDepth(string QueueName, long Active, long DeadLettered);
