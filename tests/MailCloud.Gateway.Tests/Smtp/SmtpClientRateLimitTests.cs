using System.Net;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp.Acceptance;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>
/// The MX's per-client rates (connections, messages, recipients per minute) over real SMTP from
/// 127.0.0.1, which is not exempt: each test sets the limits low. Submission is never limited here.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpClientRateLimitTests(AzuriteFixture azurite)
{
    private readonly CapturingLoggerProvider _log = new();

    [Fact]
    public async Task A_connection_past_the_rate_is_greeted_with_421_4_7_0_and_closed_while_submission_still_serves()
    {
        await using var host = await StartAsync(("Smtp:ClientConnectionsPerMinute", "2"));
        for (var i = 0; i < 2; i++)
        {
            await using var allowed = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
            Assert.Equal(221, (await allowed.CommandAsync("QUIT")).Code);
        }

        await using var refused = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx));
        var greeting = await refused.ReadReplyAsync();

        Assert.Equal((421, "4.7.0"), (greeting.Code, greeting.Enhanced));
        Assert.Contains("[127.0.0.1]", greeting.Lines[^1]);
        Assert.True(await refused.IsClosedByServerAsync());
        Assert.Contains(_log.Messages, m => m.Contains("Refused 127.0.0.1 with 421: over 2 connections per minute", StringComparison.Ordinal));

        await using var submission = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Submission));
        Assert.Equal(221, (await submission.CommandAsync("QUIT")).Code);
    }

    [Fact]
    public async Task A_transaction_past_the_message_rate_gets_451_4_7_1_at_mail_and_the_session_goes_on()
    {
        await using var host = await StartAsync(("Smtp:ClientMessagesPerMinute", "2"));
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        for (var i = 0; i < 2; i++)
        {
            await SendAsync(client, $"message {i}");
        }

        var third = await client.CommandAsync("MAIL FROM:<sender@remote.test>");
        Assert.Equal((451, "4.7.1"), (third.Code, third.Enhanced));
        Assert.Equal(503, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(221, (await client.CommandAsync("QUIT")).Code);

        // The rate is the address's, not the connection's.
        await using var again = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(451, (await again.CommandAsync("MAIL FROM:<sender@remote.test>")).Code);
        Assert.Equal(2, (await host.ReceiveInboundAsync()).Count);
        Assert.Contains(_log.Messages, m => m.Contains("with 451: over 2 messages per minute", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Recipients_past_the_rate_get_452_4_5_3_and_the_message_goes_to_those_accepted()
    {
        await using var host = await StartAsync(("Smtp:ClientRecipientsPerMinute", "3"));
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<sender@remote.test>")).Code);
        // An unknown recipient counts too: guessing addresses is what the limit is for.
        Assert.Equal(550, (await client.CommandAsync("RCPT TO:<nobody@example.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob+two@example.test>")).Code);
        var fourth = await client.CommandAsync("RCPT TO:<bob+three@example.test>");
        Assert.Equal((452, "4.5.3"), (fourth.Code, fourth.Enhanced));
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        Assert.Equal(250, (await client.CommandAsync("Subject: limited\r\n\r\nx\r\n.")).Code);

        var envelope = Assert.Single(await host.ReceiveInboundAsync());
        Assert.Equal(["bob@example.test", "bob+two@example.test"], envelope.Recipients.Select(r => r.Address));
        Assert.Contains(_log.Messages, m => m.Contains("with 452: over 3 recipients per minute", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_negative_limit_is_refused_at_start()
    {
        await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(("Smtp:ClientRecipientsPerMinute", "-1")));
    }

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::")]
    public void Ipv6_clients_are_counted_by_their_64_prefix(string address, string key) =>
        Assert.Equal(IPAddress.Parse(key), ClientRateLimits.ClientKey(IPAddress.Parse(address)));

    private async Task<GatewayTestHost> StartAsync(params (string Key, string Value)[] limits)
    {
        var settings = limits.ToDictionary(l => l.Key, l => (string?)l.Value);
        settings["Logging:LogLevel:MailCloud"] = "Information";
        var host = await GatewayTestHost.StartAsync(azurite, configureServices: s => s.AddSingleton<ILoggerProvider>(_log), settings: settings);
        await host.SeedDirectoryAsync(("bob@example.test", "bob-secret"));
        return host;
    }

    private static async Task SendAsync(SmtpTestClient client, string subject)
    {
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<sender@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        Assert.Equal(250, (await client.CommandAsync($"Subject: {subject}\r\n\r\nx\r\n.")).Code);
    }
}
