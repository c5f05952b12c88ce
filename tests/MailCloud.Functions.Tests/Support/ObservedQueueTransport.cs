using System.Collections.Concurrent;
using MailCloud.Core.Queueing;

namespace MailCloud.Functions.Tests.Support;

/// <summary>
/// The real transport, observed: every send is recorded, and the first send <see cref="FailWhen"/>
/// matches throws as a storage outage would (a stage that crashes at that point, after whatever it did before).
/// </summary>
public sealed class ObservedQueueTransport(IQueueTransport inner) : IQueueTransport
{
    private readonly ConcurrentQueue<(string Queue, OutgoingMessage Message, TimeSpan? Delay)> _sent = new();
    private int _failed;

    public IReadOnlyCollection<(string Queue, OutgoingMessage Message, TimeSpan? Delay)> Sent => _sent;

    /// <summary>Which send fails (queue name, message); null fails none.</summary>
    public Func<string, OutgoingMessage, bool>? FailWhen { get; set; }

    public bool HasFailed => Volatile.Read(ref _failed) == 1;

    public async Task SendAsync(string queueName, OutgoingMessage message, TimeSpan? delay, CancellationToken cancellationToken)
    {
        if (FailWhen is { } failWhen && failWhen(queueName, message) && Interlocked.Exchange(ref _failed, 1) == 0)
        {
            throw new IOException($"injected failure sending {message.MessageId} to {queueName}");
        }

        await inner.SendAsync(queueName, message, delay, cancellationToken);
        _sent.Enqueue((queueName, message, delay));
    }

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
