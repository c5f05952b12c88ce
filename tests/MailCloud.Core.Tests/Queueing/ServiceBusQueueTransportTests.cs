using Azure.Messaging.ServiceBus;
using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing;
using MailCloud.Core.Queueing.ServiceBus;
using MailCloud.Core.Tests.Spool;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Queueing;

/// <summary>The mapping onto Service Bus, against the SDK's types with no broker (see <see cref="FakeServiceBus"/>).</summary>
public class ServiceBusQueueTransportTests
{
    private const string Queue = "deliver";
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly FakeServiceBus _bus = new();

    [Fact]
    public async Task Send_sets_the_message_id_for_duplicate_detection_and_the_body()
    {
        await using var transport = CreateTransport();

        await transport.SendAsync(Queue, new OutgoingMessage("m-1", BinaryData.FromString("{}")), delay: null, None);

        var (queue, sent) = Assert.Single(_bus.Sent);
        Assert.Equal(Queue, queue);
        Assert.Equal("m-1", sent.MessageId);
        Assert.Equal("{}", sent.Body.ToString());
        Assert.Empty(_bus.Scheduled);
    }

    [Fact]
    public async Task A_delayed_send_is_scheduled_for_now_plus_the_delay()
    {
        await using var transport = CreateTransport();

        await transport.SendAsync(Queue, new OutgoingMessage("m-1", BinaryData.FromString("{}")), TimeSpan.FromMinutes(5), None);

        var scheduled = Assert.Single(_bus.Scheduled);
        Assert.Equal("m-1", scheduled.Message.MessageId);
        Assert.Equal(Now.AddMinutes(5), scheduled.At);
        Assert.Empty(_bus.Sent);
    }

    [Fact]
    public async Task A_message_id_longer_than_Service_Bus_allows_is_refused()
    {
        await using var transport = CreateTransport();

        await Assert.ThrowsAsync<ArgumentException>(() =>
            transport.SendAsync(Queue, new OutgoingMessage(new string('x', 129), BinaryData.FromString("{}")), delay: null, None));
        Assert.Empty(_bus.Sent);
    }

    [Fact]
    public async Task Receive_maps_id_body_delivery_count_and_time()
    {
        await using var transport = CreateTransport();
        var put = _bus.Put(Queue, "m-1", "body", deliveryCount: 3);

        var received = Assert.Single(await transport.ReceiveAsync(Queue, 10, Lease, None));

        Assert.Equal(Queue, received.QueueName);
        Assert.Equal("m-1", received.MessageId);
        Assert.Equal("body", received.Body.ToString());
        Assert.Equal(3, received.DeliveryCount);
        Assert.Equal(put.EnqueuedTime, received.EnqueuedAt);
    }

    [Fact]
    public async Task Renewing_the_lease_renews_the_message_lock()
    {
        await using var transport = CreateTransport();
        var put = _bus.Put(Queue, "m-1", "body");
        var received = Assert.Single(await transport.ReceiveAsync(Queue, 10, Lease, None));

        await transport.RenewLeaseAsync(received, Lease, None);

        Assert.Equal([put], _bus.Renewed);
        Assert.Equal(put.LockedUntil, received.LeaseExpiresAt);
    }

    [Fact]
    public async Task Complete_settles_the_received_message()
    {
        await using var transport = CreateTransport();
        var put = _bus.Put(Queue, "m-1", "body");
        var received = Assert.Single(await transport.ReceiveAsync(Queue, 10, Lease, None));

        await transport.CompleteAsync(received, None);

        Assert.Same(put, Assert.Single(_bus.Completed));
    }

    [Fact]
    public async Task Retry_later_schedules_a_copy_under_a_derived_id_and_completes_the_original()
    {
        await using var transport = CreateTransport();
        var put = _bus.Put(Queue, "m-1", "body", deliveryCount: 2);
        var received = Assert.Single(await transport.ReceiveAsync(Queue, 10, Lease, None));

        await transport.RetryLaterAsync(received, TimeSpan.FromMinutes(10), None);

        var scheduled = Assert.Single(_bus.Scheduled);
        Assert.Equal("m-1/retry-2", scheduled.Message.MessageId);
        Assert.Equal(Now.AddMinutes(10), scheduled.At);
        Assert.Equal("body", scheduled.Message.Body.ToString());
        Assert.Equal("m-1", scheduled.Message.ApplicationProperties[ServiceBusQueueTransport.OriginalMessageIdProperty]);
        Assert.Equal(2, scheduled.Message.ApplicationProperties[ServiceBusQueueTransport.PriorDeliveriesProperty]);
        Assert.Same(put, Assert.Single(_bus.Completed));
    }

    [Fact]
    public async Task A_retried_copy_is_received_under_the_original_id_counting_every_delivery()
    {
        await using var transport = CreateTransport();
        _bus.Put(Queue, "m-1/retry-2", "body", deliveryCount: 1, new Dictionary<string, object>
        {
            [ServiceBusQueueTransport.OriginalMessageIdProperty] = "m-1",
            [ServiceBusQueueTransport.PriorDeliveriesProperty] = 2,
        });

        var received = Assert.Single(await transport.ReceiveAsync(Queue, 10, Lease, None));

        Assert.Equal("m-1", received.MessageId);
        Assert.Equal(3, received.DeliveryCount);
    }

    [Fact]
    public async Task A_message_past_the_maximum_deliveries_is_dead_lettered_not_returned()
    {
        await using var transport = CreateTransport(maxDeliveryCount: 3);
        var put = _bus.Put(Queue, "m-1/retry-3", "body", deliveryCount: 1, new Dictionary<string, object>
        {
            [ServiceBusQueueTransport.OriginalMessageIdProperty] = "m-1",
            [ServiceBusQueueTransport.PriorDeliveriesProperty] = 3,
        });
        _bus.Put(Queue, "m-2", "body");

        var received = Assert.Single(await transport.ReceiveAsync(Queue, 10, Lease, None));

        Assert.Equal("m-2", received.MessageId);
        var dead = Assert.Single(_bus.DeadLettered);
        Assert.Same(put, dead.Message);
        Assert.Contains("MaxDeliveryCount 3", dead.Reason);
    }

    [Fact]
    public async Task Dead_letter_passes_the_reason_and_records_the_time()
    {
        await using var transport = CreateTransport();
        _bus.Put(Queue, "m-1", "body");
        var received = Assert.Single(await transport.ReceiveAsync(Queue, 10, Lease, None));

        await transport.DeadLetterAsync(received, "unknown envelope version", None);

        var dead = Assert.Single(_bus.DeadLettered);
        Assert.Equal("unknown envelope version", dead.Reason);
        Assert.Equal(Now, dead.Properties[ServiceBusQueueTransport.DeadLetteredAtProperty]);
    }

    [Fact]
    public async Task Peek_shows_active_messages_under_their_original_ids()
    {
        await using var transport = CreateTransport();
        _bus.Put(Queue, "m-1", "one");
        _bus.Put(Queue, "m-2/retry-1", "two", properties: new Dictionary<string, object>
        {
            [ServiceBusQueueTransport.OriginalMessageIdProperty] = "m-2",
            [ServiceBusQueueTransport.PriorDeliveriesProperty] = 1,
        });

        var peeked = await transport.PeekAsync(Queue, 10, None);

        Assert.Equal([("m-1", 1), ("m-2", 2)], peeked.Select(p => (p.MessageId, p.DeliveryCount)));
        Assert.Empty(_bus.Completed);
    }

    [Fact]
    public async Task Peek_reads_reason_and_time_from_the_dead_letter_queue()
    {
        await using var transport = CreateTransport();
        var deadLetteredAt = Now.AddHours(-1);
        _bus.Put(Queue, "m-1", "one", properties: new Dictionary<string, object>
        {
            ["DeadLetterReason"] = "bad envelope",
            [ServiceBusQueueTransport.DeadLetteredAtProperty] = deadLetteredAt,
        }, deadLetter: true);
        var byBroker = _bus.Put(Queue, "m-2", "two", properties: new Dictionary<string, object> { ["DeadLetterReason"] = "MaxDeliveryCountExceeded" }, deadLetter: true);
        _bus.Put(Queue, "m-3", "three", deadLetter: true);

        var dead = await transport.PeekDeadLettersAsync(Queue, 2, None);

        Assert.Equal(["m-1", "m-2"], dead.Select(d => d.MessageId));
        Assert.Equal(("bad envelope", deadLetteredAt, "one"), (dead[0].Reason, dead[0].DeadLetteredAt, dead[0].Body.ToString()));
        Assert.Equal(("MaxDeliveryCountExceeded", byBroker.EnqueuedTime), (dead[1].Reason, dead[1].DeadLetteredAt));
    }

    [Fact]
    public async Task Replay_sends_matching_dead_letters_back_under_a_fresh_id_and_leaves_the_rest()
    {
        await using var transport = CreateTransport();
        var other = _bus.Put(Queue, "m-1", "one", deadLetter: true);
        var target = _bus.Put(Queue, "m-2", "two", deadLetter: true);

        var replayed = await transport.ReplayDeadLettersAsync(Queue, "m-2", None);

        Assert.Equal(1, replayed);
        var (queue, sent) = Assert.Single(_bus.Sent);
        Assert.Equal(Queue, queue);
        Assert.Equal($"m-2/replay-{target.SequenceNumber}", sent.MessageId);
        Assert.Equal("m-2", sent.ApplicationProperties[ServiceBusQueueTransport.OriginalMessageIdProperty]);
        Assert.Equal("two", sent.Body.ToString());
        Assert.Same(target, Assert.Single(_bus.Completed));
        Assert.Contains(other, _bus.Abandoned);
        Assert.Same(other, Assert.Single(_bus.DeadLetters[Queue]));
    }

    [Fact]
    public async Task Purge_drains_the_chosen_queue_and_counts()
    {
        await using var transport = CreateTransport();
        _bus.Put(Queue, "m-1", "one");
        _bus.Put(Queue, "m-2", "two", deadLetter: true);
        _bus.Put(Queue, "m-3", "three", deadLetter: true);

        Assert.Equal(2, await transport.PurgeAsync(Queue, deadLetters: true, None));
        Assert.Empty(_bus.DeadLetters[Queue]);
        Assert.Single(_bus.Active[Queue]);
    }

    [Fact]
    public async Task Depth_counts_scheduled_messages_as_active()
    {
        await using var transport = CreateTransport();
        _bus.RuntimeProperties[Queue] = ServiceBusModelFactory.QueueRuntimeProperties(
            Queue, activeMessageCount: 4, scheduledMessageCount: 2, deadLetterMessageCount: 1);

        Assert.Equal(new QueueDepth(Queue, 6, 1), await transport.GetDepthAsync(Queue, None));
    }

    [Fact]
    public async Task Ensure_creates_missing_queues_and_carries_on_without_manage_rights()
    {
        await using var transport = CreateTransport(maxDeliveryCount: 7);
        _bus.ExistingQueues.Add("inbound");
        _bus.QueuesWithoutManageRights.Add("deliver");

        await transport.EnsureQueuesAsync(["inbound", "deliver", "relay"], None);

        var created = Assert.Single(_bus.CreatedQueues);
        Assert.Equal("relay", created.Name);
        Assert.Equal(7, created.MaxDeliveryCount);
        Assert.True(created.RequiresDuplicateDetection);
    }

    [Fact]
    public void Derived_ids_stay_within_the_Service_Bus_limit()
    {
        Assert.Equal("m-1/retry-4", ServiceBusQueueTransport.DerivedMessageId("m-1", "retry-4"));

        var derived = ServiceBusQueueTransport.DerivedMessageId(new string('x', 128), "retry-4");
        Assert.Equal(64, derived.Length);
        Assert.NotEqual(derived, ServiceBusQueueTransport.DerivedMessageId(new string('x', 128), "retry-5"));
    }

    private ServiceBusQueueTransport CreateTransport(int maxDeliveryCount = 10) =>
        new(_bus.Client, _bus.Administration, Options.Create(new QueueingOptions { MaxDeliveryCount = maxDeliveryCount }),
            new FixedTimeProvider(Now), NullLogger<ServiceBusQueueTransport>.Instance);
}
