using System.Text;
using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing;
using MailCloud.Core.Queueing.StorageQueues;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Queueing;

[Collection(AzuriteCollection.Name)]
public class StorageQueueTransportTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_sent_message_is_received_intact_once_and_gone_after_complete()
    {
        var (transport, queue) = await CreateAsync();
        var body = BinaryData.FromString("""{"version":1,"messageId":"m-1"}""");

        await transport.SendAsync(queue, new OutgoingMessage("m-1", body), delay: null, None);
        var received = Assert.Single(await transport.ReceiveAsync(queue, 10, Lease, None));

        Assert.Equal("m-1", received.MessageId);
        Assert.Equal(queue, received.QueueName);
        Assert.Equal(1, received.DeliveryCount);
        Assert.Equal(body.ToArray(), received.Body.ToArray());
        Assert.Empty(await transport.ReceiveAsync(queue, 10, Lease, None));

        await transport.CompleteAsync(received, None);
        Assert.Equal(new QueueDepth(queue, 0, 0), await transport.GetDepthAsync(queue, None));
    }

    [Fact]
    public async Task A_renewed_lease_hides_the_message_past_its_first_timeout_and_the_renewed_receipt_completes_it()
    {
        var (transport, queue) = await CreateAsync();
        await transport.SendAsync(queue, Message("m-1"), delay: null, None);
        var received = Assert.Single(await transport.ReceiveAsync(queue, 1, TimeSpan.FromSeconds(1), None));

        var renewedUntil = await transport.RenewLeaseAsync(received, TimeSpan.FromMinutes(1), None);
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.True(renewedUntil > received.LeaseExpiresAt);
        Assert.Empty(await transport.ReceiveAsync(queue, 10, Lease, None));
        await transport.CompleteAsync(received, None);
        Assert.Equal(new QueueDepth(queue, 0, 0), await transport.GetDepthAsync(queue, None));
        await Assert.ThrowsAsync<QueueLeaseLostException>(() => transport.RenewLeaseAsync(received, Lease, None));
    }

    [Fact]
    public async Task Peek_shows_waiting_messages_without_receiving_them()
    {
        var (transport, queue) = await CreateAsync();
        await transport.SendAsync(queue, Message("m-1"), delay: null, None);
        await transport.SendAsync(queue, Message("m-2"), delay: null, None);

        var peeked = await transport.PeekAsync(queue, 10, None);

        Assert.Equal(["m-1", "m-2"], peeked.Select(p => p.MessageId));
        Assert.Equal(Message("m-1").Body.ToArray(), peeked[0].Body.ToArray());
        Assert.Equal(1, Assert.Single(await transport.ReceiveAsync(queue, 1, Lease, None)).DeliveryCount);
    }

    [Fact]
    public async Task A_delayed_message_is_not_received_before_one_sent_after_it_without_delay()
    {
        var (transport, queue) = await CreateAsync();

        await transport.SendAsync(queue, Message("later"), TimeSpan.FromSeconds(2), None);
        await transport.SendAsync(queue, Message("now"), delay: null, None);

        var first = Assert.Single(await transport.ReceiveAsync(queue, 10, Lease, None));
        Assert.Equal("now", first.MessageId);
        var second = await ReceiveEventuallyAsync(transport, queue);
        Assert.Equal("later", second.MessageId);
    }

    [Fact]
    public async Task Retry_later_brings_the_message_back_with_one_more_delivery()
    {
        var (transport, queue) = await CreateAsync();
        await transport.SendAsync(queue, Message("m-retry"), delay: null, None);

        var first = Assert.Single(await transport.ReceiveAsync(queue, 1, Lease, None));
        await transport.RetryLaterAsync(first, TimeSpan.Zero, None);
        var second = await ReceiveEventuallyAsync(transport, queue);

        Assert.Equal("m-retry", second.MessageId);
        Assert.Equal(first.Body.ToArray(), second.Body.ToArray());
        Assert.Equal(2, second.DeliveryCount);
    }

    [Fact]
    public async Task After_the_maximum_deliveries_a_message_moves_to_the_poison_queue_and_is_not_returned_again()
    {
        var (transport, queue) = await CreateAsync(maxDeliveryCount: 2);
        await transport.SendAsync(queue, Message("m-poison"), delay: null, None);

        for (var delivery = 1; delivery <= 2; delivery++)
        {
            var received = await ReceiveEventuallyAsync(transport, queue);
            Assert.Equal(delivery, received.DeliveryCount);
            await transport.RetryLaterAsync(received, TimeSpan.Zero, None);
        }

        Assert.Empty(await transport.ReceiveAsync(queue, 10, Lease, None));
        Assert.Empty(await transport.ReceiveAsync(queue, 10, Lease, None));

        var dead = Assert.Single(await transport.PeekDeadLettersAsync(queue, 10, None));
        Assert.Equal("m-poison", dead.MessageId);
        Assert.Contains("MaxDeliveryCount 2", dead.Reason);
        Assert.Equal(Message("m-poison").Body.ToArray(), dead.Body.ToArray());
        Assert.Equal(new QueueDepth(queue, 0, 1), await transport.GetDepthAsync(queue, None));
    }

    [Fact]
    public async Task Dead_lettering_keeps_the_reason_and_the_body()
    {
        var (transport, queue) = await CreateAsync();
        await transport.SendAsync(queue, Message("m-dead"), delay: null, None);
        var received = Assert.Single(await transport.ReceiveAsync(queue, 1, Lease, None));

        await transport.DeadLetterAsync(received, "envelope version 9 is not supported", None);

        var dead = Assert.Single(await transport.PeekDeadLettersAsync(queue, 10, None));
        Assert.Equal(queue, dead.QueueName);
        Assert.Equal("m-dead", dead.MessageId);
        Assert.Equal("envelope version 9 is not supported", dead.Reason);
        Assert.Equal(received.Body.ToArray(), dead.Body.ToArray());
        Assert.Equal(new QueueDepth(queue, 0, 1), await transport.GetDepthAsync(queue, None));
    }

    [Fact]
    public async Task Replay_restores_one_or_all_dead_letters_to_the_queue_with_the_original_body()
    {
        var (transport, queue) = await CreateAsync();
        await DeadLetterAsync(transport, queue, "m-a", "reason a");
        await DeadLetterAsync(transport, queue, "m-b", "reason b");

        Assert.Equal(1, await transport.ReplayDeadLettersAsync(queue, "m-b", None));

        var replayed = Assert.Single(await transport.ReceiveAsync(queue, 10, Lease, None));
        Assert.Equal("m-b", replayed.MessageId);
        Assert.Equal(1, replayed.DeliveryCount);
        Assert.Equal(Message("m-b").Body.ToArray(), replayed.Body.ToArray());
        Assert.Equal("m-a", Assert.Single(await transport.PeekDeadLettersAsync(queue, 10, None)).MessageId);

        Assert.Equal(1, await transport.ReplayDeadLettersAsync(queue, messageId: null, None));
        Assert.Empty(await transport.PeekDeadLettersAsync(queue, 10, None));
        Assert.Equal("m-a", Assert.Single(await transport.ReceiveAsync(queue, 10, Lease, None)).MessageId);
    }

    [Fact]
    public async Task Replay_of_an_unknown_id_moves_nothing()
    {
        var (transport, queue) = await CreateAsync();
        await DeadLetterAsync(transport, queue, "m-stays", "reason");

        Assert.Equal(0, await transport.ReplayDeadLettersAsync(queue, "m-unknown", None));

        Assert.Equal("m-stays", Assert.Single(await transport.PeekDeadLettersAsync(queue, 10, None)).MessageId);
        Assert.Empty(await transport.ReceiveAsync(queue, 10, Lease, None));
    }

    [Fact]
    public async Task Purge_empties_the_queue_or_its_dead_letters()
    {
        var (transport, queue) = await CreateAsync();
        await DeadLetterAsync(transport, queue, "m-dead", "reason");
        for (var i = 0; i < 3; i++)
        {
            await transport.SendAsync(queue, Message($"m-{i}"), delay: null, None);
        }

        Assert.Equal(new QueueDepth(queue, 3, 1), await transport.GetDepthAsync(queue, None));
        Assert.Equal(3, await transport.PurgeAsync(queue, deadLetters: false, None));
        Assert.Equal(new QueueDepth(queue, 0, 1), await transport.GetDepthAsync(queue, None));
        Assert.Equal(1, await transport.PurgeAsync(queue, deadLetters: true, None));
        Assert.Equal(new QueueDepth(queue, 0, 0), await transport.GetDepthAsync(queue, None));
    }

    [Fact]
    public async Task An_oversized_message_is_refused_and_nothing_is_queued()
    {
        var (transport, queue) = await CreateAsync();
        var body = new BinaryData(new byte[60 * 1024]);

        var refused = await Assert.ThrowsAsync<QueueMessageTooLargeException>(
            () => transport.SendAsync(queue, new OutgoingMessage("m-big", body), delay: null, None));

        Assert.Equal(StorageQueueTransport.MaxMessageTextLength, refused.Limit);
        Assert.Equal(new QueueDepth(queue, 0, 0), await transport.GetDepthAsync(queue, None));
    }

    [Fact]
    public async Task A_body_of_the_advertised_maximum_is_sent_received_and_dead_lettered_intact()
    {
        var (transport, queue) = await CreateAsync();
        Assert.Equal(StorageQueueTransport.MaxBodyLength, transport.MaxMessageBodySize);
        var body = new BinaryData(Encoding.UTF8.GetBytes(new string('"', transport.MaxMessageBodySize)));
        var id = new string('m', 128);

        await transport.SendAsync(queue, new OutgoingMessage(id, body), delay: null, None);
        var received = Assert.Single(await transport.ReceiveAsync(queue, 1, Lease, None));
        Assert.Equal(body.ToArray(), received.Body.ToArray());
        await transport.DeadLetterAsync(received, new string('r', 1000), None);

        var dead = Assert.Single(await transport.PeekDeadLettersAsync(queue, 10, None));
        Assert.Equal(body.ToArray(), dead.Body.ToArray());
        Assert.Equal(new QueueDepth(queue, 0, 1), await transport.GetDepthAsync(queue, None));
    }

    [Fact]
    public async Task A_message_this_transport_did_not_write_is_dead_lettered_not_returned()
    {
        var storage = await azurite.CreateStorageAsync();
        var (transport, queue) = await CreateAsync(storage: storage);
        await storage.Queues.GetQueueClient(queue).SendMessageAsync("not base64 json {");

        Assert.Empty(await transport.ReceiveAsync(queue, 10, Lease, None));

        var dead = Assert.Single(await transport.PeekDeadLettersAsync(queue, 10, None));
        Assert.StartsWith("unreadable", dead.Reason);
        Assert.Equal("not base64 json {", dead.Body.ToString());
    }

    [Fact]
    public async Task Messages_are_base64_text_on_the_wire_as_Azure_Functions_expects()
    {
        var storage = await azurite.CreateStorageAsync();
        var (transport, queue) = await CreateAsync(storage: storage);

        await transport.SendAsync(queue, Message("m-wire"), delay: null, None);

        var raw = Assert.Single((await storage.Queues.GetQueueClient(queue).PeekMessagesAsync(1)).Value);
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(raw.Body.ToString()));
        Assert.Contains("\"messageId\":\"m-wire\"", json);
    }

    private static OutgoingMessage Message(string id) => new(id, BinaryData.FromString($$"""{"messageId":"{{id}}"}"""));

    private static async Task DeadLetterAsync(StorageQueueTransport transport, string queue, string id, string reason)
    {
        await transport.SendAsync(queue, Message(id), delay: null, None);
        var received = Assert.Single(await transport.ReceiveAsync(queue, 1, Lease, None));
        await transport.DeadLetterAsync(received, reason, None);
    }

    /// <summary>Polls until a message is visible; the deadline only keeps a broken test from hanging.</summary>
    private static async Task<ReceivedMessage> ReceiveEventuallyAsync(StorageQueueTransport transport, string queue)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var batch = await transport.ReceiveAsync(queue, 1, Lease, deadline.Token);
            if (batch.Count > 0)
            {
                return batch[0];
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
        }
    }

    private async Task<(StorageQueueTransport Transport, string Queue)> CreateAsync(int maxDeliveryCount = 5, StorageClients? storage = null)
    {
        storage ??= await azurite.CreateStorageAsync();
        var queue = "q" + Guid.NewGuid().ToString("N")[..16];
        var options = Options.Create(new QueueingOptions { MaxDeliveryCount = maxDeliveryCount });
        var transport = new StorageQueueTransport(storage, options, TimeProvider.System, NullLogger<StorageQueueTransport>.Instance);
        await transport.EnsureQueuesAsync([queue], None);
        return (transport, queue);
    }
}
