using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>
/// The error budget counts syntax and sequence errors only (<see cref="ErrorBudget"/>): refused
/// recipients, 452 past the recipient limit (RFC 5321 §4.5.3.1.10) and relay refusals do not end
/// the session, so a pipelining client keeps the recipients it was given.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpErrorBudgetTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_pipelined_transaction_of_110_recipients_and_20_unknown_ones_delivers_to_the_first_100()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite);
        await host.SeedDirectoryAsync(("bob@example.test", "bob-secret"));
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));

        // One packet (PIPELINING, RFC 2920): 20 unknown recipients, one relay attempt, 110 good ones (bob+detail), DATA.
        var unknown = Enumerable.Range(0, 20).Select(i => $"RCPT TO:<nobody{i}@example.test>");
        var known = Enumerable.Range(0, 110).Select(i => $"RCPT TO:<bob+{i:D3}@example.test>");
        await client.SendRawAsync(string.Join("\r\n", [
            "MAIL FROM:<sender@remote.test>", .. unknown, "RCPT TO:<victim@elsewhere.test>", .. known, "DATA"]) + "\r\n");

        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        for (var i = 0; i < 20; i++)
        {
            var reply = await client.ReadReplyAsync();
            Assert.Equal((550, "5.1.1"), (reply.Code, reply.Enhanced));
        }

        var relay = await client.ReadReplyAsync();
        Assert.Equal((554, "5.7.1"), (relay.Code, relay.Enhanced));
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal((250, "2.1.5"), ((await client.ReadReplyAsync()) is var r ? (r.Code, r.Enhanced) : default));
        }

        for (var i = 0; i < 10; i++)
        {
            var reply = await client.ReadReplyAsync();
            Assert.Equal((452, "4.5.3"), (reply.Code, reply.Enhanced));
        }

        Assert.Equal(354, (await client.ReadReplyAsync()).Code);
        var queued = await client.CommandAsync("Subject: many\r\n\r\nhello\r\n.");
        Assert.Equal((250, "2.0.0"), (queued.Code, queued.Enhanced));

        // RFC 5321 §4.5.3.1.10: the client sends the rest in a new transaction on the same session.
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<sender@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob+100@example.test>")).Code);

        var envelope = Assert.Single(await host.ReceiveInboundAsync());
        Assert.Equal(
            Enumerable.Range(0, 100).Select(i => $"bob+{i:D3}@example.test"),
            envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task Syntax_and_sequence_errors_count_and_a_success_starts_the_count_again()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Smtp:MaxErrors"] = "3" });
        await host.SeedDirectoryAsync(("bob@example.test", "bob-secret"));
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));

        Assert.Equal(500, (await client.CommandAsync("FROB")).Code);
        Assert.Equal(503, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("NOOP")).Code);
        Assert.Equal(501, (await client.CommandAsync("MAIL FROM:<not an address>")).Code);
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<sender@remote.test>")).Code);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(550, (await client.CommandAsync($"RCPT TO:<nobody{i}@example.test>")).Code);
        }

        Assert.Equal(503, (await client.CommandAsync("MAIL FROM:<sender@remote.test>")).Code);
        Assert.Equal(555, (await client.CommandAsync("RCPT TO:<bob@example.test> FROB=1")).Code);
        Assert.Equal(500, (await client.CommandAsync("FROB")).Code);
        var goodbye = await client.ReadReplyAsync();
        Assert.Equal((421, "4.7.0"), (goodbye.Code, goodbye.Enhanced));
        Assert.True(await client.IsClosedByServerAsync());
    }
}
