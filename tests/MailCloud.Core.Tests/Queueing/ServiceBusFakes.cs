using Azure;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;

namespace MailCloud.Core.Tests.Queueing;

/// <summary>
/// An in-memory stand-in for one Service Bus namespace, reached through the SDK's own types
/// (protected constructors and virtual methods exist for exactly this): tests put received
/// messages in with <see cref="ServiceBusModelFactory"/> and read what the transport did.
/// </summary>
internal sealed class FakeServiceBus
{
    public Dictionary<string, List<ServiceBusReceivedMessage>> Active { get; } = [];
    public Dictionary<string, List<ServiceBusReceivedMessage>> DeadLetters { get; } = [];
    public List<(string Queue, ServiceBusMessage Message)> Sent { get; } = [];
    public List<(string Queue, ServiceBusMessage Message, DateTimeOffset At)> Scheduled { get; } = [];
    public List<ServiceBusReceivedMessage> Completed { get; } = [];
    public List<ServiceBusReceivedMessage> Abandoned { get; } = [];
    public List<ServiceBusReceivedMessage> Renewed { get; } = [];
    public List<(ServiceBusReceivedMessage Message, string Reason, IDictionary<string, object> Properties)> DeadLettered { get; } = [];
    public Dictionary<string, QueueRuntimeProperties> RuntimeProperties { get; } = [];
    public HashSet<string> ExistingQueues { get; } = [];
    public HashSet<string> QueuesWithoutManageRights { get; } = [];
    public List<CreateQueueOptions> CreatedQueues { get; } = [];

    private long _sequence;

    public ServiceBusClient Client => new FakeClient(this);

    public ServiceBusAdministrationClient Administration => new FakeAdministration(this);

    public ServiceBusReceivedMessage Put(string queue, string messageId, string body, int deliveryCount = 1, IDictionary<string, object>? properties = null, bool deadLetter = false)
    {
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString(body),
            messageId: messageId,
            properties: properties ?? new Dictionary<string, object>(),
            deliveryCount: deliveryCount,
            sequenceNumber: ++_sequence,
            enqueuedTime: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(_sequence));
        List(deadLetter ? DeadLetters : Active, queue).Add(message);
        return message;
    }

    private static List<ServiceBusReceivedMessage> List(Dictionary<string, List<ServiceBusReceivedMessage>> lists, string queue) =>
        lists.TryGetValue(queue, out var list) ? list : lists[queue] = [];

    private sealed class FakeClient(FakeServiceBus bus) : ServiceBusClient
    {
        public override ServiceBusSender CreateSender(string queueOrTopicName) => new FakeSender(bus, queueOrTopicName);

        public override ServiceBusReceiver CreateReceiver(string queueName, ServiceBusReceiverOptions options) =>
            new FakeReceiver(bus, List(options.SubQueue == SubQueue.DeadLetter ? bus.DeadLetters : bus.Active, queueName), options.ReceiveMode);

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class FakeSender(FakeServiceBus bus, string queue) : ServiceBusSender
    {
        public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
        {
            bus.Sent.Add((queue, message));
            return Task.CompletedTask;
        }

        public override Task<long> ScheduleMessageAsync(ServiceBusMessage message, DateTimeOffset scheduledEnqueueTime, CancellationToken cancellationToken = default)
        {
            bus.Scheduled.Add((queue, message, scheduledEnqueueTime));
            return Task.FromResult((long)bus.Scheduled.Count);
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class FakeReceiver(FakeServiceBus bus, List<ServiceBusReceivedMessage> source, ServiceBusReceiveMode mode) : ServiceBusReceiver
    {
        private int _peekPosition;

        public override Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default)
        {
            // Locked messages stay in the list until settled; a settled one is removed, an abandoned one comes round again.
            var batch = source.Take(maxMessages).ToList();
            if (mode == ServiceBusReceiveMode.ReceiveAndDelete)
            {
                source.RemoveRange(0, batch.Count);
            }

            return Task.FromResult<IReadOnlyList<ServiceBusReceivedMessage>>(batch);
        }

        public override Task<IReadOnlyList<ServiceBusReceivedMessage>> PeekMessagesAsync(int maxMessages, long? fromSequenceNumber = null, CancellationToken cancellationToken = default)
        {
            var page = source.Skip(_peekPosition).Take(maxMessages).ToList();
            _peekPosition += page.Count;
            return Task.FromResult<IReadOnlyList<ServiceBusReceivedMessage>>(page);
        }

        public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
        {
            source.Remove(message);
            bus.Completed.Add(message);
            return Task.CompletedTask;
        }

        public override Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
        {
            bus.Renewed.Add(message);
            return Task.CompletedTask;
        }

        public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
        {
            bus.Abandoned.Add(message);
            return Task.CompletedTask;
        }

        public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, string? deadLetterReason = null, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
        {
            source.Remove(message);
            bus.DeadLettered.Add((message, deadLetterReason ?? "", propertiesToModify ?? new Dictionary<string, object>()));
            return Task.CompletedTask;
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class FakeAdministration(FakeServiceBus bus) : ServiceBusAdministrationClient
    {
        public override Task<Response<bool>> QueueExistsAsync(string name, CancellationToken cancellationToken = default)
        {
            if (bus.QueuesWithoutManageRights.Contains(name))
            {
                throw new UnauthorizedAccessException("Manage,EntityRead claims required for this operation.");
            }

            return Task.FromResult(Response.FromValue(bus.ExistingQueues.Contains(name), null!));
        }

        public override Task<Response<QueueProperties>> CreateQueueAsync(CreateQueueOptions options, CancellationToken cancellationToken = default)
        {
            bus.CreatedQueues.Add(options);
            bus.ExistingQueues.Add(options.Name);
            return Task.FromResult(Response.FromValue<QueueProperties>(null!, null!));
        }

        public override Task<Response<QueueRuntimeProperties>> GetQueueRuntimePropertiesAsync(string name, CancellationToken cancellationToken = default) =>
            Task.FromResult(Response.FromValue(bus.RuntimeProperties[name], null!));
    }
}
