using MailCloud.Core.Queueing;

namespace MailCloud.Functions.Tests.Support;

/// <summary>
/// The real transport, except that the first send <see cref="FailWhen"/> matches throws as a storage
/// outage would: a stage that crashes at that point, after whatever it did before.
/// </summary>
public sealed class FailingQueueTransport(IQueueTransport inner) : IQueueTransport
{
    private int _failed;

    /// <summary>Which send fails (queue name, message); null fails none.</summary>
    public Func<string, OutgoingMessage, bool>? FailWhen { get; set; }

    public bool HasFailed => Volatile.Read(ref _failed) == 1;

    public Task SendAsync(string queueName, OutgoingMessage message, TimeSpan? delay, CancellationToken cancellationToken) =>
        FailWhen is { } failWhen && failWhen(queueName, message) && Interlocked.Exchange(ref _failed, 1) == 0
            ? throw new IOException($"injected failure sending {message.MessageId} to {queueName}")
            : inner.SendAsync(queueName, message, delay, cancellationToken);

    public int MaxMessageBodySize => inner.MaxMessageBodySize;
    public Task EnsureQueuesAsync(IEnumerable<string> queueNames, CancellationToken cancellationToken) => inner.EnsureQueuesAsync(queueNames, cancellationToken);
    public Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(string queueName, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken) => inner.ReceiveAsync(queueName, maxMessages, visibilityTimeout, cancellationToken);
    public Task<DateTimeOffset> RenewLeaseAsync(ReceivedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken) => inner.RenewLeaseAsync(message, visibilityTimeout, cancellationToken);
    public Task CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken) => inner.CompleteAsync(message, cancellationToken);
    public Task RetryLaterAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken) => inner.RetryLaterAsync(message, delay, cancellationToken);
    public Task DeadLetterAsync(ReceivedMessage message, string reason, CancellationToken cancellationToken) => inner.DeadLetterAsync(message, reason, cancellationToken);
    public Task<QueueDepth> GetDepthAsync(string queueName, CancellationToken cancellationToken) => inner.GetDepthAsync(queueName, cancellationToken);
    public Task<IReadOnlyList<PeekedMessage>> PeekAsync(string queueName, int maxMessages, CancellationToken cancellationToken) => inner.PeekAsync(queueName, maxMessages, cancellationToken);
    public Task<IReadOnlyList<DeadLetteredMessage>> PeekDeadLettersAsync(string queueName, int maxMessages, CancellationToken cancellationToken) => inner.PeekDeadLettersAsync(queueName, maxMessages, cancellationToken);
    public Task<int> ReplayDeadLettersAsync(string queueName, string? messageId, CancellationToken cancellationToken) => inner.ReplayDeadLettersAsync(queueName, messageId, cancellationToken);
    public Task<int> PurgeAsync(string queueName, bool deadLetters, CancellationToken cancellationToken) => inner.PurgeAsync(queueName, deadLetters, cancellationToken);
}
