using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using MailCloud.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StoragePeekedMessage = Azure.Storage.Queues.Models.PeekedMessage;

namespace MailCloud.Core.Queueing.StorageQueues;

/// <summary>
/// <see cref="IQueueTransport"/> on Azure Storage Queues (Azurite locally and in tests).
/// Delays are visibility timeouts; the delivery count is the dequeue count; a message received
/// more than <see cref="QueueingOptions.MaxDeliveryCount"/> times, or dead-lettered, moves to
/// <c>&lt;queue&gt;-poison</c> (the Azure Functions convention). Message format: <see cref="StorageQueuePayload"/>.
/// </summary>
public sealed partial class StorageQueueTransport(
    StorageClients storage,
    IOptions<QueueingOptions> options,
    TimeProvider time,
    ILogger<StorageQueueTransport> logger) : IQueueTransport
{
    public const string PoisonSuffix = "-poison";

    /// <summary>The service's limit on a message's (encoded) text.</summary>
    public const int MaxMessageTextLength = 64 * 1024;

    /// <summary>
    /// The largest body that fits: the message text is base64 of the JSON payload, which holds the
    /// body in base64 again, so 64 KiB of text carry 3/4 · 3/4 of it, less <see cref="PayloadReserve"/>
    /// for the message id and a dead-letter reason (a message that could be sent can be dead-lettered).
    /// </summary>
    public const int MaxBodyLength = (MaxMessageTextLength / 4 * 3 - PayloadReserve) / 4 * 3;

    private const int PayloadReserve = 2048;

    /// <summary>The service returns at most 32 messages per receive or peek.</summary>
    public const int MaxBatchSize = 32;

    /// <summary>The longest visibility timeout the service accepts, hence the longest delay.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    // A message waiting out relay retries must not expire after the default 7 days.
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    // How long replay holds dead letters it skipped before making them visible again.
    private static readonly TimeSpan ReplayScanHold = TimeSpan.FromSeconds(30);

    private readonly int _maxDeliveryCount = options.Value.MaxDeliveryCount;

    public int MaxMessageBodySize => MaxBodyLength;

    public static string PoisonQueueName(string queueName) => queueName + PoisonSuffix;

    public async Task EnsureQueuesAsync(IEnumerable<string> queueNames, CancellationToken cancellationToken)
    {
        foreach (var name in queueNames)
        {
            await Queue(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await Poison(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <exception cref="QueueMessageTooLargeException">The encoded message exceeds 64 KiB.</exception>
    public async Task SendAsync(string queueName, OutgoingMessage message, TimeSpan? delay, CancellationToken cancellationToken)
    {
        var text = new StorageQueuePayload { MessageId = message.MessageId, Body = message.Body.ToArray() }.Encode();
        EnsureFits(queueName, message.MessageId, text);
        await Queue(queueName).SendMessageAsync(text, CheckDelay(delay ?? TimeSpan.Zero), NeverExpires, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(string queueName, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, MaxBatchSize);
        var queue = Queue(queueName);
        QueueMessage[] batch = await queue.ReceiveMessagesAsync(maxMessages, visibilityTimeout, cancellationToken).ConfigureAwait(false);
        var received = new List<ReceivedMessage>(batch.Length);
        foreach (var message in batch)
        {
            var text = message.Body.ToString();
            if (!StorageQueuePayload.TryDecode(text, out var payload))
            {
                await MoveToPoisonAsync(queueName, message.MessageId, message.PopReceipt, StorageQueuePayload.ForUnreadable(message.MessageId, text), "unreadable: not a MailCloud queue message", cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (message.DequeueCount > _maxDeliveryCount)
            {
                var reason = $"delivered {message.DequeueCount - 1} times without completing (MaxDeliveryCount {_maxDeliveryCount})";
                await MoveToPoisonAsync(queueName, message.MessageId, message.PopReceipt, payload!, reason, cancellationToken).ConfigureAwait(false);
                continue;
            }

            received.Add(new ReceivedMessage(
                queueName,
                payload!.MessageId,
                new BinaryData(payload.Body),
                (int)message.DequeueCount,
                message.InsertedOn ?? time.GetUtcNow(),
                message.NextVisibleOn ?? time.GetUtcNow() + visibilityTimeout,
                new StorageQueueReceipt(message.MessageId, message.PopReceipt)));
        }

        return received;
    }

    /// <summary>Every renewal hands out a new pop receipt; the receipt keeps the latest for the calls that follow.</summary>
    public async Task<DateTimeOffset> RenewLeaseAsync(ReceivedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        var receipt = ReceiptOf(message);
        try
        {
            UpdateReceipt updated = await Queue(message.QueueName).UpdateMessageAsync(receipt.QueueMessageId, receipt.PopReceipt, (string?)null, CheckDelay(visibilityTimeout), cancellationToken).ConfigureAwait(false);
            receipt.PopReceipt = updated.PopReceipt;
            return updated.NextVisibleOn;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == QueueErrorCode.MessageNotFound || ex.ErrorCode == QueueErrorCode.PopReceiptMismatch)
        {
            throw new QueueLeaseLostException(message.QueueName, message.MessageId, ex);
        }
    }

    public async Task CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var receipt = ReceiptOf(message);
        try
        {
            await Queue(message.QueueName).DeleteMessageAsync(receipt.QueueMessageId, receipt.PopReceipt, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == QueueErrorCode.MessageNotFound)
        {
            LogAlreadyGone(message.QueueName, message.MessageId);
        }
    }

    public async Task RetryLaterAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        var receipt = ReceiptOf(message);

        // Only the visibility changes; the next receive counts one more dequeue.
        await Queue(message.QueueName).UpdateMessageAsync(receipt.QueueMessageId, receipt.PopReceipt, (string?)null, CheckDelay(delay), cancellationToken).ConfigureAwait(false);
    }

    public Task DeadLetterAsync(ReceivedMessage message, string reason, CancellationToken cancellationToken)
    {
        var receipt = ReceiptOf(message);
        var payload = new StorageQueuePayload { MessageId = message.MessageId, Body = message.Body.ToArray() };
        return MoveToPoisonAsync(message.QueueName, receipt.QueueMessageId, receipt.PopReceipt, payload, reason, cancellationToken);
    }

    /// <summary>Counts are the service's approximate counts; they include delayed (invisible) messages.</summary>
    public async Task<QueueDepth> GetDepthAsync(string queueName, CancellationToken cancellationToken) =>
        new(queueName,
            await CountAsync(Queue(queueName), cancellationToken).ConfigureAwait(false),
            await CountAsync(Poison(queueName), cancellationToken).ConfigureAwait(false));

    /// <summary>Peeks at most <see cref="MaxBatchSize"/> visible messages (delayed ones are invisible until due).</summary>
    public async Task<IReadOnlyList<PeekedMessage>> PeekAsync(string queueName, int maxMessages, CancellationToken cancellationToken)
    {
        var peeked = await PeekVisibleAsync(Queue(queueName), maxMessages, cancellationToken).ConfigureAwait(false);
        return [.. peeked.Select(m => StorageQueuePayload.TryDecode(m.Body.ToString(), out var payload)
            ? new PeekedMessage(queueName, payload!.MessageId, new BinaryData(payload.Body), (int)m.DequeueCount, m.InsertedOn ?? DateTimeOffset.MinValue)
            : new PeekedMessage(queueName, m.MessageId, m.Body, (int)m.DequeueCount, m.InsertedOn ?? DateTimeOffset.MinValue))];
    }

    /// <summary>Peeks at most <see cref="MaxBatchSize"/> visible dead letters (the service's limit for a peek).</summary>
    public async Task<IReadOnlyList<DeadLetteredMessage>> PeekDeadLettersAsync(string queueName, int maxMessages, CancellationToken cancellationToken)
    {
        var peeked = await PeekVisibleAsync(Poison(queueName), maxMessages, cancellationToken).ConfigureAwait(false);
        return [.. peeked.Select(p => ToDeadLetter(queueName, p.MessageId, p.Body.ToString(), p.InsertedOn))];
    }

    public async Task<int> ReplayDeadLettersAsync(string queueName, string? messageId, CancellationToken cancellationToken)
    {
        var poison = Poison(queueName);
        var replayed = 0;
        var skipped = new List<(string Id, string PopReceipt)>();
        try
        {
            while (true)
            {
                QueueMessage[] batch;
                try
                {
                    batch = await poison.ReceiveMessagesAsync(MaxBatchSize, ReplayScanHold, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.ErrorCode == QueueErrorCode.QueueNotFound)
                {
                    return 0;
                }

                if (batch.Length == 0)
                {
                    return replayed;
                }

                foreach (var dead in batch)
                {
                    var text = dead.Body.ToString();
                    if (!StorageQueuePayload.TryDecode(text, out var payload))
                    {
                        payload = StorageQueuePayload.ForUnreadable(dead.MessageId, text);
                    }

                    if (messageId is not null && payload!.MessageId != messageId)
                    {
                        skipped.Add((dead.MessageId, dead.PopReceipt));
                        continue;
                    }

                    // Send before delete: a crash in between leaves a duplicate, never a loss.
                    var restored = payload! with { DeadLetterReason = null, DeadLetteredAt = null };
                    await Queue(queueName).SendMessageAsync(restored.Encode(), TimeSpan.Zero, NeverExpires, cancellationToken).ConfigureAwait(false);
                    await poison.DeleteMessageAsync(dead.MessageId, dead.PopReceipt, cancellationToken).ConfigureAwait(false);
                    LogReplayed(queueName, restored.MessageId);
                    replayed++;
                }
            }
        }
        finally
        {
            foreach (var (id, popReceipt) in skipped)
            {
                await poison.UpdateMessageAsync(id, popReceipt, (string?)null, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Clears the queue or its poison queue; the count is the service's approximate count just before.</summary>
    public async Task<int> PurgeAsync(string queueName, bool deadLetters, CancellationToken cancellationToken)
    {
        var queue = deadLetters ? Poison(queueName) : Queue(queueName);
        var count = await CountAsync(queue, cancellationToken).ConfigureAwait(false);
        if (count > 0)
        {
            await queue.ClearMessagesAsync(cancellationToken).ConfigureAwait(false);
            LogPurged(queue.Name, count);
        }

        return (int)count;
    }

    private QueueClient Queue(string queueName) => storage.Queues.GetQueueClient(queueName);

    private QueueClient Poison(string queueName) => storage.Queues.GetQueueClient(PoisonQueueName(queueName));

    private async Task MoveToPoisonAsync(string queueName, string queueMessageId, string popReceipt, StorageQueuePayload payload, string reason, CancellationToken cancellationToken)
    {
        var text = (payload with { DeadLetterReason = reason, DeadLetteredAt = time.GetUtcNow() }).Encode();
        if (text.Length > MaxMessageTextLength)
        {
            // Left where it is (and reported each time it comes round) rather than dropped.
            LogTooLargeForPoison(queueName, payload.MessageId, reason);
            return;
        }

        var poison = Poison(queueName);
        try
        {
            await poison.SendMessageAsync(text, TimeSpan.Zero, NeverExpires, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == QueueErrorCode.QueueNotFound)
        {
            await poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await poison.SendMessageAsync(text, TimeSpan.Zero, NeverExpires, cancellationToken).ConfigureAwait(false);
        }

        await Queue(queueName).DeleteMessageAsync(queueMessageId, popReceipt, cancellationToken).ConfigureAwait(false);
        LogDeadLettered(queueName, payload.MessageId, reason);
    }

    private static DeadLetteredMessage ToDeadLetter(string queueName, string queueMessageId, string text, DateTimeOffset? insertedOn)
    {
        if (StorageQueuePayload.TryDecode(text, out var payload))
        {
            return new DeadLetteredMessage(queueName, payload!.MessageId, new BinaryData(payload.Body),
                payload.DeadLetterReason ?? "(no reason recorded)", payload.DeadLetteredAt ?? insertedOn ?? DateTimeOffset.MinValue);
        }

        return new DeadLetteredMessage(queueName, queueMessageId, BinaryData.FromString(text), "unreadable: not a MailCloud queue message", insertedOn ?? DateTimeOffset.MinValue);
    }

    private static async Task<StoragePeekedMessage[]> PeekVisibleAsync(QueueClient queue, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        try
        {
            return await queue.PeekMessagesAsync(Math.Min(maxMessages, MaxBatchSize), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == QueueErrorCode.QueueNotFound)
        {
            return [];
        }
    }

    private static async Task<long> CountAsync(QueueClient queue, CancellationToken cancellationToken)
    {
        try
        {
            QueueProperties properties = await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            return properties.ApproximateMessagesCount;
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == QueueErrorCode.QueueNotFound)
        {
            return 0;
        }
    }

    private static void EnsureFits(string queueName, string messageId, string text)
    {
        if (text.Length > MaxMessageTextLength)
        {
            throw new QueueMessageTooLargeException(queueName, messageId, text.Length, MaxMessageTextLength);
        }
    }

    private static TimeSpan CheckDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delay, MaxDelay);
        return delay;
    }

    private static StorageQueueReceipt ReceiptOf(ReceivedMessage message) =>
        message.TransportState as StorageQueueReceipt
        ?? throw new ArgumentException("The message was not received through the Storage Queue transport.", nameof(message));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered message {MessageId} of queue {QueueName}: {Reason}")]
    private partial void LogDeadLettered(string queueName, string messageId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} of queue {QueueName} should be dead-lettered ({Reason}) but is too large for the poison queue; it stays in the queue")]
    private partial void LogTooLargeForPoison(string queueName, string messageId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {MessageId} of queue {QueueName} was already gone when completed")]
    private partial void LogAlreadyGone(string queueName, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed dead-lettered message {MessageId} into queue {QueueName}")]
    private partial void LogReplayed(string queueName, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged about {Count} messages from queue {QueueName}")]
    private partial void LogPurged(string queueName, long count);
}

/// <summary>What renewing, completing, retrying or dead-lettering a received storage queue message needs.</summary>
internal sealed class StorageQueueReceipt(string queueMessageId, string popReceipt)
{
    public string QueueMessageId { get; } = queueMessageId;

    /// <summary>Replaced by each renewal; callers do not renew and settle one message at once.</summary>
    public string PopReceipt { get; set; } = popReceipt;
}
