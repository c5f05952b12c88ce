using Azure.Messaging.ServiceBus;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Queueing;
using MailCloud.Functions.Stages;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Functions.Tests.Functions;

/// <summary>The Azure Functions adapters, called as the Functions host would, with Service Bus model types.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StageFunctionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Unreadable_message_is_dead_lettered_with_a_reason()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var function = new RouteFunction(host.Services.GetRequiredService<StageInvoker>(), TimeProvider.System);
        var actions = new RecordingMessageActions();
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromString("{not json"), messageId: "poison-1", deliveryCount: 1);

        await function.Run(message, actions, CancellationToken.None);

        var (deadLettered, reason) = Assert.Single(actions.DeadLettered);
        Assert.Same(message, deadLettered);
        Assert.StartsWith("unreadable envelope", reason);
        Assert.Empty(actions.Completed);
    }

    [Fact]
    public async Task Routed_message_for_one_mailbox_is_delivered_by_Route_and_completed()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var (alice, message, actions) = await RouteOneMessageToAliceAsync(host);

        Assert.Equal([message], actions.Completed);
        Assert.Empty(actions.DeadLettered);
        Assert.Equal("via functions", Assert.Single(await host.ReadInboxAsync(alice.Id)).Subject);
        Assert.Empty(await host.Transport.PeekAsync(host.Queues.DeliverQueue, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Routed_message_for_more_mailboxes_than_Route_delivers_is_queued_for_delivery()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite, new Dictionary<string, string?> { ["Pipeline:RouteDeliveryLimit"] = "0" });
        var (alice, message, actions) = await RouteOneMessageToAliceAsync(host);

        Assert.Equal([message], actions.Completed);
        var queued = Assert.Single(await host.Transport.PeekAsync(host.Queues.DeliverQueue, 10, CancellationToken.None));
        Assert.Equal(alice.Id, EnvelopeSerializer.Deserialize(queued.Body).TargetAccountId);
        Assert.Empty(await host.ReadInboxAsync(alice.Id));
    }

    [Fact]
    public async Task Routed_message_whose_spool_blob_is_gone_is_dead_lettered_and_delivers_nothing()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        await host.Directory.AddDomainAsync("example.test", default);
        var alice = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-12345", null, null, default);
        var envelope = await host.SubmitAsync("sender@remote.test", ["alice@example.test"], PipelineTestHost.NewMessage("sender@remote.test", "alice@example.test", "gone"));
        await host.Spool.DeleteAsync(envelope.SpoolBlob, CancellationToken.None);
        var function = new RouteFunction(host.Services.GetRequiredService<StageInvoker>(), TimeProvider.System);
        var actions = new RecordingMessageActions();
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(body: EnvelopeSerializer.Serialize(envelope), messageId: envelope.MessageId, deliveryCount: 1);

        await function.Run(message, actions, CancellationToken.None);

        var (deadLettered, reason) = Assert.Single(actions.DeadLettered);
        Assert.Same(message, deadLettered);
        Assert.Contains(envelope.SpoolBlob, reason);
        Assert.Empty(actions.Completed);
        Assert.Empty(await host.ReadInboxAsync(alice.Id));
    }

    /// <summary>Submits one message for alice@example.test and runs the Route function on it once.</summary>
    private static async Task<(Account Alice, ServiceBusReceivedMessage Message, RecordingMessageActions Actions)> RouteOneMessageToAliceAsync(PipelineTestHost host)
    {
        await host.Directory.AddDomainAsync("example.test", default);
        var alice = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-12345", null, null, default);
        var envelope = await host.SubmitAsync("sender@remote.test", ["alice@example.test"], PipelineTestHost.NewMessage("sender@remote.test", "alice@example.test", "via functions"));
        var function = new RouteFunction(host.Services.GetRequiredService<StageInvoker>(), TimeProvider.System);
        var actions = new RecordingMessageActions();
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(body: EnvelopeSerializer.Serialize(envelope), messageId: envelope.MessageId, deliveryCount: 1);
        await function.Run(message, actions, CancellationToken.None);
        return (alice, message, actions);
    }

    [Fact]
    public async Task Handler_failure_leaves_the_message_unsettled_and_the_redelivery_stores_it_once()
    {
        var faults = new FailAfterAppend();
        await using var host = await PipelineTestHost.CreateAsync(azurite, services: s => s.Decorate<MailCloud.Core.Mailboxes.IMailboxStore>(inner => new FaultyMailboxStore(inner, faults)));
        await host.Directory.AddDomainAsync("example.test", default);
        var alice = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-12345", null, null, default);
        var inbound = await host.SubmitAsync("sender@remote.test", ["alice@example.test"], PipelineTestHost.NewMessage("sender@remote.test", "alice@example.test", "redelivered"));
        var envelope = inbound with { TargetAccountId = alice.Id };
        var function = new DeliverFunction(host.Services.GetRequiredService<StageInvoker>(), TimeProvider.System);
        var actions = new RecordingMessageActions();

        var first = ServiceBusModelFactory.ServiceBusReceivedMessage(body: EnvelopeSerializer.Serialize(envelope), messageId: envelope.MessageId, deliveryCount: 1);
        await Assert.ThrowsAsync<IOException>(() => function.Run(first, actions, CancellationToken.None));
        Assert.Empty(actions.Completed);
        Assert.Empty(actions.DeadLettered);

        var second = ServiceBusModelFactory.ServiceBusReceivedMessage(body: EnvelopeSerializer.Serialize(envelope), messageId: envelope.MessageId, deliveryCount: 2);
        await function.Run(second, actions, CancellationToken.None);

        Assert.Equal([second], actions.Completed);
        Assert.Single(await host.ReadInboxAsync(alice.Id));
    }

    [Fact]
    public async Task Local_runner_moves_an_unreadable_message_to_the_dead_letter_queue_with_a_reason()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        await host.StartAsync();

        await host.Transport.SendAsync(host.Queues.InboundQueue, new OutgoingMessage("poison-2", BinaryData.FromString("""{"version":99,"messageId":"x"}""")), null, CancellationToken.None);

        var until = DateTimeOffset.UtcNow.AddSeconds(60);
        IReadOnlyList<DeadLetteredMessage> dead;
        while ((dead = await host.Transport.PeekDeadLettersAsync(host.Queues.InboundQueue, 10, CancellationToken.None)).Count == 0 && DateTimeOffset.UtcNow < until)
        {
            await Task.Delay(50);
        }

        var poison = Assert.Single(dead);
        Assert.StartsWith("unreadable envelope", poison.Reason);
    }
}
