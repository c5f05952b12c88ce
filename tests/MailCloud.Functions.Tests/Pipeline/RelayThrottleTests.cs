using System.Security.Cryptography;
using MailCloud.Core.Queueing;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>The relay keeps to a smart host's limits: transactions at once, and messages per minute.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RelayThrottleTests(AzuriteFixture azurite, RelayDnsFixture dns) : IClassFixture<RelayDnsFixture>
{
    private static readonly string[] Recipients = ["ann@remote.test", "ben@remote.test", "cat@remote.test"];
    private readonly RSA _dkimKey = RSA.Create(2048);

    [Fact]
    public async Task Without_a_rate_permit_a_relay_is_requeued_for_later_and_every_message_arrives_once()
    {
        await using var remote = new RemoteMta();
        ObservedQueueTransport? transport = null;
        // 120 a minute shared by two instances: this one sends one a second.
        await using var host = await RelayTestHosts.CreateAsync(azurite, dns.Dns, remote.Port, _dkimKey, new Dictionary<string, string?>
        {
            ["Relay:RateLimit:MessagesPerMinute"] = "120",
            ["Relay:RateLimit:SharedByInstances"] = "2",
        }, s => s.Decorate<IQueueTransport>(inner => transport = new ObservedQueueTransport(inner)));
        var sender = await RelayTestHosts.SenderAsync(host);
        await host.StartAsync();

        await SubmitOnePerRecipientAsync(host);

        await RelayTestHosts.WaitForAsync(() => remote.Received.Count >= Recipients.Length);
        await host.WaitForIdleAsync();
        Assert.Equal(Recipients.Order(), remote.Received.Select(r => Assert.Single(r.Recipients)).Order());
        var postponed = transport!.Sent.Where(s => s.Queue == host.Queues.RelayQueue && s.Message.MessageId.Contains("/later-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(postponed);
        Assert.All(postponed, p =>
        {
            Assert.True(p.Delay > TimeSpan.Zero);
            // A postponement is not a failed attempt: the backoff schedule does not move.
            Assert.Equal(0, EnvelopeSerializer.Deserialize(p.Message.Body).Attempt);
        });
        Assert.Empty(await host.ReadInboxAsync(sender.Id));
        Assert.Empty(await host.Transport.PeekDeadLettersAsync(host.Queues.RelayQueue, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Relay_transactions_at_once_never_exceed_the_limit()
    {
        await using var remote = new RemoteMta { DataAnswerDelay = TimeSpan.FromSeconds(1) };
        await using var host = await RelayTestHosts.CreateAsync(azurite, dns.Dns, remote.Port, _dkimKey, new Dictionary<string, string?>
        {
            ["Relay:MaxConcurrentTransactions"] = "1",
            ["Pipeline:RunnerConcurrency"] = "4",
        });
        await RelayTestHosts.SenderAsync(host);
        await host.StartAsync();

        await SubmitOnePerRecipientAsync(host);

        await RelayTestHosts.WaitForAsync(() => remote.Received.Count >= Recipients.Length);
        await host.WaitForIdleAsync();
        Assert.Equal(Recipients.Length, remote.Received.Count);
        Assert.Equal(1, remote.MostConcurrentTransactions);
    }

    [Theory]
    [InlineData("Relay:RateLimit:MessagesPerMinute", "-1")]
    [InlineData("Relay:RateLimit:SharedByInstances", "0")]
    [InlineData("Relay:MaxConcurrentTransactions", "0")]
    public async Task Out_of_range_limits_stop_the_host_at_start(string key, string value)
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite, new Dictionary<string, string?> { [key] = value });

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
        Assert.Contains(key, refused.Message);
    }

    [Fact]
    public async Task A_share_of_less_than_one_message_an_hour_is_refused_at_start()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite, new Dictionary<string, string?>
        {
            ["Relay:RateLimit:MessagesPerMinute"] = "1",
            ["Relay:RateLimit:SharedByInstances"] = "100",
        });

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(host.StartAsync);
        Assert.Contains("SharedByInstances", refused.Message);
    }

    private static async Task SubmitOnePerRecipientAsync(PipelineTestHost host)
    {
        foreach (var recipient in Recipients)
        {
            await host.SubmitAsync(RelayTestHosts.Sender, [recipient], PipelineTestHost.NewMessage(RelayTestHosts.Sender, recipient, $"for {recipient}"));
        }
    }
}
