using System.Security.Cryptography;
using MailCloud.Core.Queueing;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>
/// A remote host is sent a message once (invariant 2) when a relay outlasts the queue lease, and
/// when the relay dies after the remote took the message.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RelayOnceTests(AzuriteFixture azurite, RelayDnsFixture dns) : IClassFixture<RelayDnsFixture>
{
    private readonly RSA _dkimKey = RSA.Create(2048);

    [Fact]
    public async Task A_relay_slower_than_the_visibility_timeout_reaches_the_remote_once()
    {
        await using var remote = new RemoteMta { DataAnswerDelay = TimeSpan.FromSeconds(6) };
        // Several slots free on the relay queue: without renewal one of them takes the message again after 2 s.
        await using var host = await RelayTestHosts.CreateAsync(azurite, dns.Dns, remote.Port, _dkimKey, new Dictionary<string, string?>
        {
            ["Pipeline:RunnerVisibilityTimeout"] = "00:00:02",
            ["Pipeline:RunnerConcurrency"] = "4",
            ["Relay:SmtpTimeout"] = "00:00:30",
        });
        await RelayTestHosts.SenderAsync(host);
        await host.StartAsync();

        await host.SubmitAsync(RelayTestHosts.Sender, ["bob@remote.test"], PipelineTestHost.NewMessage(RelayTestHosts.Sender, "bob@remote.test", "slow remote"));

        await RelayTestHosts.WaitForAsync(() => remote.Received.Count >= 1);
        await host.WaitForIdleAsync();
        Assert.Equal(1, remote.DataTransactions);
        Assert.Single(remote.Received);
    }

    [Fact]
    public async Task A_relay_that_dies_after_the_remote_took_one_recipient_does_not_send_it_again()
    {
        await using var remote = new RemoteMta();
        remote.RefuseRecipient("nobody@remote.test");
        ObservedQueueTransport? transport = null;
        await using var host = await RelayTestHosts.CreateAsync(azurite, dns.Dns, remote.Port, _dkimKey,
            services: s => s.Decorate<IQueueTransport>(inner => transport = new ObservedQueueTransport(inner)));
        var sender = await RelayTestHosts.SenderAsync(host);
        // The bounce for the refused recipient is the relay's next write after the remote's 250 for the other: it fails once.
        transport!.FailWhen = (queue, message) => queue == host.Queues.InboundQueue && message.MessageId.StartsWith("dsn-", StringComparison.Ordinal);
        await host.StartAsync();

        await host.SubmitAsync(RelayTestHosts.Sender, ["bob@remote.test", "nobody@remote.test"],
            PipelineTestHost.NewMessage(RelayTestHosts.Sender, "bob@remote.test", "half taken"));

        var (_, status) = await DsnAssert.SingleFailureAsync(host, sender.Id, "5.0.0");
        Assert.Equal("rfc822; nobody@remote.test", status["Final-Recipient"]);
        Assert.True(transport.HasFailed);
        var received = Assert.Single(remote.Received);
        Assert.Equal(["bob@remote.test"], received.Recipients);
    }
}
