using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using MailCloud.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Queueing.ServiceBus;

/// <summary>
/// <see cref="IQueueTransport"/> on Azure Service Bus queues. Receives in PeekLock (the lock
/// duration is the queue's, set in infra/); delays are scheduled messages; dead letters go to the
/// built-in dead-letter sub-queue. A retry is a scheduled copy under a derived MessageId (so
/// duplicate detection keeps it) that carries the original id and the deliveries so far in
/// application properties; <see cref="ReceivedMessage"/> shows the original id and the total count.
/// </summary>
public sealed partial class ServiceBusQueueTransport(
    ServiceBusClient client,
    ServiceBusAdministrationClient administration,
    IOptions<QueueingOptions> options,
    TimeProvider time,
    ILogger<ServiceBusQueueTransport> logger) : IQueueTransport, IAsyncDisposable
{
    /// <summary>The sender's message id, on copies whose MessageId is derived (retries, replays).</summary>
    public const string OriginalMessageIdProperty = "mailcloud-original-message-id";

    /// <summary>Deliveries of earlier copies of this message (retries start the broker's count afresh).</summary>
    public const string PriorDeliveriesProperty = "mailcloud-prior-deliveries";

    /// <summary>When we dead-lettered the message; Service Bus itself records no time.</summary>
    public const string DeadLetteredAtProperty = "mailcloud-dead-lettered-at";

    /// <summary>Service Bus limits MessageId to 128 characters.</summary>
    public const int MaxMessageIdLength = 128;

    /// <summary>Service Bus limits the dead-letter reason to 4096 characters.</summary>
    private const int MaxReasonLength = 4096;

    /// <summary>
    /// Standard tier messages are at most 256 KiB, headers and properties included; 16 KiB are left
    /// for those (ours, the broker's, and a dead-letter reason of up to 4096 characters).
    /// </summary>
    public const int MaxBodyLength = (256 - 16) * 1024;

    private const int MaxBatchSize = 100;

    // Long enough to save empty polls, short enough that a stopping host is not held up.
    private static readonly TimeSpan ReceiveWait = TimeSpan.FromSeconds(5);

    // Scans of the dead-letter queue (replay, purge) stop at the first empty wait.
    private static readonly TimeSpan ScanWait = TimeSpan.FromSeconds(1);

    private readonly int _maxDeliveryCount = options.Value.MaxDeliveryCount;
    private readonly ConcurrentDictionary<string, ServiceBusSender> _senders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServiceBusReceiver> _receivers = new(StringComparer.Ordinal);

    public async Task EnsureQueuesAsync(IEnumerable<string> queueNames, CancellationToken cancellationToken)
    {
        foreach (var name in queueNames)
        {
            try
            {
                if (!await administration.QueueExistsAsync(name, cancellationToken).ConfigureAwait(false))
                {
                    await administration.CreateQueueAsync(
                        new CreateQueueOptions(name)
                        {
                            MaxDeliveryCount = _maxDeliveryCount,
                            RequiresDuplicateDetection = true,
                            DeadLetteringOnMessageExpiration = true,
                        },
                        cancellationToken).ConfigureAwait(false);
                    LogQueueCreated(name);
                }
            }
            catch (UnauthorizedAccessException ex)
            {
                // Without Manage rights the queues must already exist (Bicep creates them in Azure).
                LogCannotManageQueues(name, ex.Message);
            }
        }
    }

    public int MaxMessageBodySize => MaxBodyLength;

    public async Task SendAsync(string queueName, OutgoingMessage message, TimeSpan? delay, CancellationToken cancellationToken)
    {
        var outgoing = new ServiceBusMessage(message.Body)
        {
            MessageId = CheckMessageId(message.MessageId),
            ContentType = "application/json",
        };
        await SendOrScheduleAsync(queueName, outgoing, delay, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The lock duration is the queue's own; <paramref name="visibilityTimeout"/> cannot change it per receive.</summary>
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(string queueName, int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        var receiver = Receiver(queueName);
        var batch = await receiver.ReceiveMessagesAsync(Math.Min(maxMessages, MaxBatchSize), ReceiveWait, cancellationToken).ConfigureAwait(false);
        var received = new List<ReceivedMessage>(batch.Count);
        foreach (var message in batch)
        {
            var deliveries = TotalDeliveries(message);
            if (deliveries > _maxDeliveryCount)
            {
                var reason = $"delivered {deliveries - 1} times without completing (MaxDeliveryCount {_maxDeliveryCount})";
                await DeadLetterAsync(receiver, queueName, message, reason, cancellationToken).ConfigureAwait(false);
                continue;
            }

            received.Add(new ReceivedMessage(queueName, OriginalMessageId(message), message.Body, deliveries, message.EnqueuedTime, message.LockedUntil, new ServiceBusReceipt(receiver, message)));
        }

        return received;
    }

    /// <summary>Renews the PeekLock for the queue's lock duration; <paramref name="visibilityTimeout"/> cannot change it.</summary>
    public async Task<DateTimeOffset> RenewLeaseAsync(ReceivedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken)
    {
        var receipt = ReceiptOf(message);
        try
        {
            // The SDK moves the message's LockedUntil to the renewed lock's end.
            await receipt.Receiver.RenewMessageLockAsync(receipt.Message, cancellationToken).ConfigureAwait(false);
            return receipt.Message.LockedUntil;
        }
        catch (ServiceBusException ex) when (ex.Reason is ServiceBusFailureReason.MessageLockLost or ServiceBusFailureReason.MessageNotFound)
        {
            throw new QueueLeaseLostException(message.QueueName, message.MessageId, ex);
        }
    }

    public Task CompleteAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var receipt = ReceiptOf(message);
        return receipt.Receiver.CompleteMessageAsync(receipt.Message, cancellationToken);
    }

    public async Task RetryLaterAsync(ReceivedMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        var receipt = ReceiptOf(message);

        // Derived from the delivery count, so a retry sent twice (crash before Complete) is one message to the broker.
        var copy = new ServiceBusMessage(receipt.Message)
        {
            MessageId = DerivedMessageId(message.MessageId, $"retry-{message.DeliveryCount}"),
        };
        copy.ApplicationProperties[OriginalMessageIdProperty] = message.MessageId;
        copy.ApplicationProperties[PriorDeliveriesProperty] = message.DeliveryCount;
        await SendOrScheduleAsync(message.QueueName, copy, delay, cancellationToken).ConfigureAwait(false);
        await receipt.Receiver.CompleteMessageAsync(receipt.Message, cancellationToken).ConfigureAwait(false);
    }

    public Task DeadLetterAsync(ReceivedMessage message, string reason, CancellationToken cancellationToken)
    {
        var receipt = ReceiptOf(message);
        return DeadLetterAsync(receipt.Receiver, message.QueueName, receipt.Message, reason, cancellationToken);
    }

    /// <summary>Active counts scheduled (delayed) messages too, as Storage Queues do.</summary>
    public async Task<QueueDepth> GetDepthAsync(string queueName, CancellationToken cancellationToken)
    {
        QueueRuntimeProperties properties = await administration.GetQueueRuntimePropertiesAsync(queueName, cancellationToken).ConfigureAwait(false);
        return new QueueDepth(queueName, properties.ActiveMessageCount + properties.ScheduledMessageCount, properties.DeadLetterMessageCount);
    }

    /// <summary>Includes scheduled (delayed) messages.</summary>
    public async Task<IReadOnlyList<PeekedMessage>> PeekAsync(string queueName, int maxMessages, CancellationToken cancellationToken)
    {
        var messages = await PeekAllAsync(queueName, SubQueue.None, maxMessages, cancellationToken).ConfigureAwait(false);
        return [.. messages.Select(m => new PeekedMessage(queueName, OriginalMessageId(m), m.Body, TotalDeliveries(m), m.EnqueuedTime))];
    }

    public async Task<IReadOnlyList<DeadLetteredMessage>> PeekDeadLettersAsync(string queueName, int maxMessages, CancellationToken cancellationToken)
    {
        var messages = await PeekAllAsync(queueName, SubQueue.DeadLetter, maxMessages, cancellationToken).ConfigureAwait(false);
        return [.. messages.Select(m => new DeadLetteredMessage(
            queueName,
            OriginalMessageId(m),
            m.Body,
            m.DeadLetterReason ?? "(no reason recorded)",
            m.ApplicationProperties.TryGetValue(DeadLetteredAtProperty, out var at) && at is DateTimeOffset when ? when : m.EnqueuedTime))];
    }

    public async Task<int> ReplayDeadLettersAsync(string queueName, string? messageId, CancellationToken cancellationToken)
    {
        await using var deadLetters = client.CreateReceiver(queueName, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var seen = new HashSet<long>();
        var replayed = 0;
        while (true)
        {
            var batch = await deadLetters.ReceiveMessagesAsync(MaxBatchSize, ScanWait, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0 || batch.All(m => !seen.Add(m.SequenceNumber)))
            {
                return replayed;
            }

            foreach (var dead in batch)
            {
                var original = OriginalMessageId(dead);
                if (messageId is not null && original != messageId)
                {
                    await deadLetters.AbandonMessageAsync(dead, cancellationToken: cancellationToken).ConfigureAwait(false);
                    continue;
                }

                // A fresh message with the original body and id; the derived MessageId escapes duplicate detection.
                var restored = new ServiceBusMessage(dead.Body)
                {
                    MessageId = DerivedMessageId(original, $"replay-{dead.SequenceNumber}"),
                    ContentType = dead.ContentType,
                };
                restored.ApplicationProperties[OriginalMessageIdProperty] = original;
                await Sender(queueName).SendMessageAsync(restored, cancellationToken).ConfigureAwait(false);
                await deadLetters.CompleteMessageAsync(dead, cancellationToken).ConfigureAwait(false);
                LogReplayed(queueName, original);
                replayed++;
            }
        }
    }

    public async Task<int> PurgeAsync(string queueName, bool deadLetters, CancellationToken cancellationToken)
    {
        await using var receiver = client.CreateReceiver(queueName, new ServiceBusReceiverOptions
        {
            ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete,
            SubQueue = deadLetters ? SubQueue.DeadLetter : SubQueue.None,
        });
        var purged = 0;
        while (true)
        {
            var batch = await receiver.ReceiveMessagesAsync(MaxBatchSize, ScanWait, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                LogPurged(queueName, deadLetters, purged);
                return purged;
            }

            purged += batch.Count;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var receiver in _receivers.Values)
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var sender in _senders.Values)
        {
            await sender.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<List<ServiceBusReceivedMessage>> PeekAllAsync(string queueName, SubQueue subQueue, int maxMessages, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);

        // A fresh receiver: peeking continues from where the receiver's last peek stopped.
        await using var receiver = client.CreateReceiver(queueName, new ServiceBusReceiverOptions { SubQueue = subQueue });
        var messages = new List<ServiceBusReceivedMessage>();
        while (messages.Count < maxMessages)
        {
            var page = await receiver.PeekMessagesAsync(maxMessages - messages.Count, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            messages.AddRange(page);
        }

        return messages;
    }

    /// <summary>"&lt;id&gt;/&lt;suffix&gt;", or its SHA-256 when that would exceed <see cref="MaxMessageIdLength"/>.</summary>
    internal static string DerivedMessageId(string messageId, string suffix)
    {
        var derived = $"{messageId}/{suffix}";
        return derived.Length <= MaxMessageIdLength ? derived : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(derived)));
    }

    private async Task SendOrScheduleAsync(string queueName, ServiceBusMessage message, TimeSpan? delay, CancellationToken cancellationToken)
    {
        var sender = Sender(queueName);
        if (delay is { } wait && wait > TimeSpan.Zero)
        {
            await sender.ScheduleMessageAsync(message, time.GetUtcNow() + wait, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await sender.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeadLetterAsync(ServiceBusReceiver receiver, string queueName, ServiceBusReceivedMessage message, string reason, CancellationToken cancellationToken)
    {
        var properties = new Dictionary<string, object> { [DeadLetteredAtProperty] = time.GetUtcNow() };
        var shortReason = reason.Length <= MaxReasonLength ? reason : reason[..MaxReasonLength];
        await receiver.DeadLetterMessageAsync(message, properties, shortReason, deadLetterErrorDescription: null, cancellationToken).ConfigureAwait(false);
        LogDeadLettered(queueName, OriginalMessageId(message), reason);
    }

    private ServiceBusSender Sender(string queueName) => _senders.GetOrAdd(queueName, client.CreateSender);

    private ServiceBusReceiver Receiver(string queueName) =>
        _receivers.GetOrAdd(queueName, name => client.CreateReceiver(name, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock }));

    private static string OriginalMessageId(ServiceBusReceivedMessage message) =>
        message.ApplicationProperties.TryGetValue(OriginalMessageIdProperty, out var id) && id is string original ? original : message.MessageId;

    private static int TotalDeliveries(ServiceBusReceivedMessage message) =>
        message.DeliveryCount + (message.ApplicationProperties.TryGetValue(PriorDeliveriesProperty, out var prior) && prior is int earlier ? earlier : 0);

    private static string CheckMessageId(string messageId)
    {
        if (string.IsNullOrEmpty(messageId) || messageId.Length > MaxMessageIdLength)
        {
            throw new ArgumentException($"A Service Bus message id is 1 to {MaxMessageIdLength} characters.", nameof(messageId));
        }

        return messageId;
    }

    private static ServiceBusReceipt ReceiptOf(ReceivedMessage message) =>
        message.TransportState as ServiceBusReceipt
        ?? throw new ArgumentException("The message was not received through the Service Bus transport.", nameof(message));

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Service Bus queue {QueueName}")]
    private partial void LogQueueCreated(string queueName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot create Service Bus queue {QueueName} ({Error}); it must already exist")]
    private partial void LogCannotManageQueues(string queueName, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered message {MessageId} of queue {QueueName}: {Reason}")]
    private partial void LogDeadLettered(string queueName, string messageId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed dead-lettered message {MessageId} into queue {QueueName}")]
    private partial void LogReplayed(string queueName, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} messages from queue {QueueName} (dead letters: {DeadLetters})")]
    private partial void LogPurged(string queueName, bool deadLetters, int count);
}

/// <summary>What settling a received Service Bus message needs: the message and the receiver holding its lock.</summary>
internal sealed record ServiceBusReceipt(ServiceBusReceiver Receiver, ServiceBusReceivedMessage Message);
