using MailCloud.Core.Directory;
using MailCloud.Core.Queueing;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>
/// An envelope always fits on the queue (issue 14, defect 7): the recipient that would push it past
/// the transport's limit gets 452 4.5.3 at RCPT (RFC 5321 §4.5.3.1.10), and the client sends the rest
/// in another transaction, instead of 451 at the end of DATA, forever.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpEnvelopeLimitTests(AzuriteFixture azurite)
{
    private const int RecipientCount = 100;

    [Fact]
    public async Task Recipients_with_long_orcpts_past_the_queue_limit_get_452_and_arrive_in_a_second_transaction()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite);
        await host.SeedDirectoryAsync(("bob@example.test", "bob-secret"));
        await host.Services.GetRequiredService<IMailDirectory>().SetCatchAllAsync(GatewayTestHost.Domain, "bob@example.test", CancellationToken.None);

        // 100 recipients, each with a ~430-octet ORCPT: about 48 KB of envelope, over what a storage queue carries.
        var orcpts = Enumerable.Range(0, RecipientCount).ToDictionary(
            i => $"r{i:D3}@example.test",
            i => $"rfc822;original-{i:D3}-{new string('x', 400)}@forwarder.example");
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        var pending = orcpts.Keys.ToList();
        var transactions = 0;
        while (pending.Count > 0)
        {
            Assert.True(++transactions <= 3, "the recipients should fit in a few transactions");
            Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<sender@remote.test>")).Code);
            var refused = new List<string>();
            foreach (var recipient in pending)
            {
                var reply = await client.CommandAsync($"RCPT TO:<{recipient}> NOTIFY=FAILURE ORCPT={orcpts[recipient]}");
                if (reply.Code == 250)
                {
                    Assert.Empty(refused); // what fits is accepted in order; once full, the rest waits
                    continue;
                }

                Assert.Equal((452, "4.5.3"), (reply.Code, reply.Enhanced));
                refused.Add(recipient);
            }

            Assert.True(refused.Count < pending.Count, "each transaction takes at least one recipient");
            Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
            Assert.Equal(250, (await client.CommandAsync($"Subject: part {transactions}\r\n\r\nhello\r\n.")).Code);
            pending = refused;
        }

        // The 452s did not count as errors: the session is still good.
        Assert.Equal(250, (await client.CommandAsync("NOOP")).Code);
        Assert.True(transactions >= 2, "100 long ORCPTs cannot fit one queue message");

        var envelopes = await host.ReceiveInboundAsync();
        Assert.Equal(transactions, envelopes.Count);
        var limit = host.Services.GetRequiredService<IQueueTransport>().MaxMessageBodySize;
        Assert.All(envelopes, e => Assert.True(EnvelopeSerializer.SerializedSize(e) <= limit));
        var arrived = envelopes.SelectMany(e => e.Recipients).ToList();
        Assert.Equal(orcpts.Keys.Order(), arrived.Select(r => r.Address).Order());
        Assert.All(arrived, r => Assert.Equal(orcpts[r.Address], r.OriginalRecipient));
    }
}
