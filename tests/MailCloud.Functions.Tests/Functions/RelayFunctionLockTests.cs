using System.Security.Cryptography;
using Azure.Messaging.ServiceBus;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Queueing;
using MailCloud.Functions.Stages;
using MailCloud.Functions.Tests.Pipeline;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Functions.Tests.Functions;

/// <summary>The Relay function keeps its Service Bus lock while a slow remote answers (messages from the SDK's model factory).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RelayFunctionLockTests(AzuriteFixture azurite, RelayDnsFixture dns) : IClassFixture<RelayDnsFixture>
{
    [Fact]
    public async Task The_lock_is_renewed_while_the_remote_takes_longer_than_the_lock_lasts()
    {
        using var dkimKey = RSA.Create(2048);
        await using var remote = new RemoteMta { DataAnswerDelay = TimeSpan.FromSeconds(4) };
        await using var host = await RelayTestHosts.CreateAsync(azurite, dns.Dns, remote.Port, dkimKey);
        await RelayTestHosts.SenderAsync(host);
        var inbound = await host.SubmitAsync(RelayTestHosts.Sender, ["bob@remote.test"], PipelineTestHost.NewMessage(RelayTestHosts.Sender, "bob@remote.test", "locked"));
        var relay = inbound with { TargetDomain = "remote.test" };
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: EnvelopeSerializer.Serialize(relay), messageId: relay.MessageId, deliveryCount: 1, lockedUntil: DateTimeOffset.UtcNow.AddSeconds(1));
        var actions = new RecordingMessageActions();

        await new RelayFunction(host.Services.GetRequiredService<StageInvoker>(), TimeProvider.System).Run(message, actions, CancellationToken.None);

        Assert.Equal([message], actions.Completed);
        Assert.True(actions.Renewals >= 2, $"renewed {actions.Renewals} times during a 4 s answer under a 1 s lock");
        Assert.Single(remote.Received);
    }
}
