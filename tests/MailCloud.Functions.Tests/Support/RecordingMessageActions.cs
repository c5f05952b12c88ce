using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;

namespace MailCloud.Functions.Tests.Support;

/// <summary>The Functions host's settlement calls, recorded instead of sent over gRPC.</summary>
public sealed class RecordingMessageActions : ServiceBusMessageActions
{
    public List<ServiceBusReceivedMessage> Completed { get; } = [];
    public List<(ServiceBusReceivedMessage Message, string? Reason)> DeadLettered { get; } = [];

    private int _renewals;

    public int Renewals => Volatile.Read(ref _renewals);

    public override Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _renewals);
        return Task.CompletedTask;
    }

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        Completed.Add(message);
        return Task.CompletedTask;
    }

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, Dictionary<string, object>? propertiesToModify = null, string? deadLetterReason = null, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
    {
        DeadLettered.Add((message, deadLetterReason));
        return Task.CompletedTask;
    }
}
