using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing;
using MailCloud.Core.Queueing.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Queueing;

/// <summary>The Service Bus transport against a real namespace (needs Manage rights to create and delete a queue).</summary>
public sealed class ServiceBusQueueTransportIntegrationTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly string _queue = "mailcloud-test-" + Guid.NewGuid().ToString("N")[..12];
    private ServiceBusClients? _clients;
    private ServiceBusQueueTransport? _transport;

    private ServiceBusQueueTransport Transport => _transport ?? throw new InvalidOperationException("not initialized");

    public async Task InitializeAsync()
    {
        if (ServiceBusFactAttribute.ConnectionString is not { Length: > 0 } connectionString)
        {
            return;
        }

        var options = Options.Create(new QueueingOptions
        {
            Transport = QueueTransportKind.ServiceBus,
            ServiceBusConnectionString = connectionString,
            MaxDeliveryCount = 3,
        });
        _clients = new ServiceBusClients(options);
        _transport = new ServiceBusQueueTransport(_clients.Client, _clients.Administration, options, TimeProvider.System, NullLogger<ServiceBusQueueTransport>.Instance);
        await _transport.EnsureQueuesAsync([_queue], None);
    }

    public async Task DisposeAsync()
    {
        if (_clients is null || _transport is null)
        {
            return;
        }

        await _transport.DisposeAsync();
        await _clients.Administration.DeleteQueueAsync(_queue);
        await _clients.DisposeAsync();
    }

    [ServiceBusFact]
    public async Task Send_receive_retry_dead_letter_and_replay_round_trip()
    {
        var body = BinaryData.FromString("""{"messageId":"m-1"}""");
        await Transport.SendAsync(_queue, new OutgoingMessage("m-1", body), delay: null, None);

        var first = Assert.Single(await Transport.ReceiveAsync(_queue, 10, Lease, None));
        Assert.Equal(("m-1", 1), (first.MessageId, first.DeliveryCount));
        await Transport.RetryLaterAsync(first, TimeSpan.FromSeconds(2), None);

        var second = await ReceiveEventuallyAsync();
        Assert.Equal(("m-1", 2), (second.MessageId, second.DeliveryCount));
        Assert.Equal(body.ToArray(), second.Body.ToArray());
        await Transport.DeadLetterAsync(second, "test reason", None);

        var dead = Assert.Single(await Transport.PeekDeadLettersAsync(_queue, 10, None));
        Assert.Equal(("m-1", "test reason"), (dead.MessageId, dead.Reason));
        Assert.Equal(1, await Transport.ReplayDeadLettersAsync(_queue, "m-1", None));

        var replayed = await ReceiveEventuallyAsync();
        Assert.Equal("m-1", replayed.MessageId);
        Assert.Equal(body.ToArray(), replayed.Body.ToArray());
        await Transport.CompleteAsync(replayed, None);
    }

    private async Task<ReceivedMessage> ReceiveEventuallyAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var batch = await Transport.ReceiveAsync(_queue, 1, Lease, deadline.Token);
            if (batch.Count > 0)
            {
                return batch[0];
            }
        }
    }
}
