using System.Security.Cryptography;
using MailCloud.Core.Pipeline.Housekeeping;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MimeKit;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>
/// Relay retries, bounces and the spool sweep all count from when we accepted the message, so the
/// sweep never takes a blob a retry still needs, and a bounce goes out even when the blob is gone.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RelayHorizonTests(AzuriteFixture azurite, RelayDnsFixture dns) : IClassFixture<RelayDnsFixture>
{
    private const string Recipient = "bob@remote.test";
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromDays(5);
    private static readonly TimeSpan Retention = RetryPeriod + TimeSpan.FromDays(1);
    private readonly RSA _dkimKey = RSA.Create(2048);

    [Fact]
    public async Task A_relay_retry_of_mail_accepted_five_days_and_an_hour_ago_bounces_instead_of_retrying()
    {
        await using var remote = new RemoteMta();
        remote.Refuse(451, "4.3.0 try again later");
        await using var host = await RelayTestHosts.CreateAsync(azurite, dns.Dns, remote.Port, _dkimKey);
        var sender = await RelayTestHosts.SenderAsync(host);
        await host.StartAsync();

        // As a replay of a long dead-lettered inbound message arrives: with the age it had.
        await host.SubmitAsync(RelayTestHosts.Sender, [Recipient], PipelineTestHost.NewMessage(RelayTestHosts.Sender, Recipient, "too late"),
            receivedAt: DateTimeOffset.UtcNow - RetryPeriod - TimeSpan.FromHours(1));

        var (_, status) = await DsnAssert.SingleFailureAsync(host, sender.Id, "4.4.7");
        Assert.Contains("451", status["Diagnostic-Code"]);
        Assert.Empty(remote.Received);
    }

    [Fact]
    public async Task The_spool_blob_outlives_every_relay_retry_counted_from_acceptance_though_route_ran_days_later()
    {
        var clock = new ShiftedClock();
        await using var remote = new RemoteMta();
        remote.Refuse(451, "4.3.0 try again later");
        await using var host = await RelayTestHosts.CreateAsync(azurite, dns.Dns, remote.Port, _dkimKey,
            services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var sender = await RelayTestHosts.SenderAsync(host);
        var accepted = await host.SubmitAsync(RelayTestHosts.Sender, [Recipient], PipelineTestHost.NewMessage(RelayTestHosts.Sender, Recipient, "stuck for days"));
        var sweeper = host.Services.GetRequiredService<SpoolSweeper>();

        // Route first runs three days after acceptance, as a replay from the dead-letter queue would.
        clock.MoveTo(TimeSpan.FromDays(3));
        await host.StartAsync();
        var delayed = DsnAssert.SingleRecipient(Assert.Single(await host.WaitForInboxAsync(sender.Id)));
        Assert.Equal("delayed", delayed["Action"]);

        clock.MoveTo(RetryPeriod + TimeSpan.FromHours(1));
        var bounces = await host.WaitForInboxAsync(sender.Id, count: 2);
        var failed = DsnAssert.SingleRecipient(bounces[1]);
        Assert.Equal("failed", failed["Action"]);
        Assert.Equal("4.4.7", failed["Status"]);
        // The bounce could still read the original: it returns its header.
        var returned = Assert.IsType<TextRfc822Headers>(Assert.IsType<MultipartReport>(bounces[1].Body)[2]);
        Assert.Equal("stuck for days", returned.Message?.Subject);
        await host.WaitForIdleAsync();

        clock.MoveTo(Retention - TimeSpan.FromHours(1));
        await sweeper.SweepAsync(CancellationToken.None);
        await using (await host.Spool.OpenReadAsync(accepted.SpoolBlob, CancellationToken.None))
        {
        }

        clock.MoveTo(Retention + TimeSpan.FromHours(1));
        await sweeper.SweepAsync(CancellationToken.None);
        await Assert.ThrowsAsync<SpoolMessageNotFoundException>(() => host.Spool.OpenReadAsync(accepted.SpoolBlob, CancellationToken.None));

        // Nothing was still retrying when the blob went, and nothing needed a human.
        await host.WaitForIdleAsync();
        Assert.Empty(await host.Transport.PeekDeadLettersAsync(host.Queues.RelayQueue, 10, CancellationToken.None));
        Assert.Equal(2, (await host.ReadInboxAsync(sender.Id)).Count);
        Assert.Empty(remote.Received);
    }

    [Fact]
    public async Task A_relay_retry_whose_spool_blob_is_gone_bounces_once_without_the_content()
    {
        await using var remote = new RemoteMta();
        await using var host = await RelayTestHosts.CreateAsync(azurite, dns.Dns, remote.Port, _dkimKey);
        var sender = await RelayTestHosts.SenderAsync(host);
        await host.StartAsync();
        var messageId = "m" + Guid.NewGuid().ToString("N");
        var acceptedAt = DateTimeOffset.UtcNow - Retention - TimeSpan.FromHours(1);
        var retry = new MessageEnvelope
        {
            MessageId = messageId,
            // Never written here: the sweep has taken it.
            SpoolBlob = SpoolBlobName.For(messageId, acceptedAt),
            MailFrom = RelayTestHosts.Sender,
            Recipients = [new EnvelopeRecipient { Address = Recipient }],
            ReceivedFrom = new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = "client.test", Listener = "submission" },
            ReceivedAt = acceptedAt,
            Attempt = 40,
            TargetDomain = "remote.test",
        };

        // Twice, as a redelivery would hand it out again.
        for (var copy = 0; copy < 2; copy++)
        {
            await host.Transport.SendAsync(host.Queues.RelayQueue, new OutgoingMessage($"{messageId}/relay/remote.test/40", EnvelopeSerializer.Serialize(retry)), null, CancellationToken.None);
        }

        var (dsn, _) = await DsnAssert.SingleFailureAsync(host, sender.Id, "4.4.7");
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal(2, report.Count);
        Assert.Contains("no longer available", Assert.IsType<TextPart>(report[0]).Text);
        Assert.Empty(await host.Transport.PeekDeadLettersAsync(host.Queues.RelayQueue, 10, CancellationToken.None));
        Assert.Empty(remote.Received);
    }
}
