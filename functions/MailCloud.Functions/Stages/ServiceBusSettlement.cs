using Azure.Messaging.ServiceBus;
using MailCloud.Core.Pipeline;
using Microsoft.Azure.Functions.Worker;

namespace MailCloud.Functions.Stages;

/// <summary>
/// Settles the trigger's message through the Functions host (autoCompleteMessages is off in host.json),
/// and renews its lock while the stage works: a relay can outlast the queue's lock duration and the
/// host's own renewal window (maxAutoLockRenewalDuration).
/// </summary>
internal sealed class ServiceBusSettlement : ILeasedSettlement
{
    // Below this the lock is treated as this long, so renewals never spin.
    private static readonly TimeSpan MinimumLockDuration = TimeSpan.FromSeconds(1);

    private readonly ServiceBusReceivedMessage _message;
    private readonly ServiceBusMessageActions _actions;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lockDuration;

    public ServiceBusSettlement(ServiceBusReceivedMessage message, ServiceBusMessageActions actions, TimeProvider time)
    {
        _message = message;
        _actions = actions;
        _time = time;
        LeaseExpiresAt = message.LockedUntil;

        // The queue's lock duration is not on the message; what is left of the first lock is a lower bound for it.
        var left = message.LockedUntil - time.GetUtcNow();
        _lockDuration = left > MinimumLockDuration ? left : MinimumLockDuration;
    }

    public DateTimeOffset LeaseExpiresAt { get; }

    public async Task<DateTimeOffset> RenewLeaseAsync(CancellationToken cancellationToken)
    {
        await _actions.RenewMessageLockAsync(_message, cancellationToken).ConfigureAwait(false);
        return _time.GetUtcNow() + _lockDuration;
    }

    public Task CompleteAsync(CancellationToken cancellationToken) => _actions.CompleteMessageAsync(_message, cancellationToken);

    public Task DeadLetterAsync(string reason, CancellationToken cancellationToken) =>
        _actions.DeadLetterMessageAsync(_message, deadLetterReason: Truncate(reason), cancellationToken: cancellationToken);

    // Service Bus caps the DeadLetterReason property at 4096 characters.
    private static string Truncate(string reason) => reason.Length <= 4096 ? reason : reason[..4096];
}
