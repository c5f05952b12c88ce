using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>
/// Early-talker rejection (RFC 5321 §3.1, §4.3.1): with <c>Smtp:GreetingDelay</c> set, the MX listens
/// before it greets, refuses a client that speaks first, and serves one that waits; submission never waits.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpEarlyTalkerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _log = new();
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host!;

    public async Task InitializeAsync()
    {
        _host = await GatewayTestHost.StartAsync(
            azurite,
            configureServices: s => s.AddSingleton<ILoggerProvider>(_log),
            settings: new Dictionary<string, string?>
            {
                ["Smtp:GreetingDelay"] = "00:00:01",
                ["Logging:LogLevel:MailCloud"] = "Information",
            });
        await Host.SeedDirectoryAsync(("alice@example.test", "alice-secret"), ("bob@example.test", "bob-secret"));
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_that_sends_before_the_greeting_gets_554_5_5_0_and_is_disconnected_and_nothing_is_accepted()
    {
        // A spambot writes its whole transaction without reading a reply.
        await using var bot = await SmtpTestClient.ConnectAsync(Host.Port(ListenerNames.Mx),
            preamble: "EHLO bot.test\r\nMAIL FROM:<a@bot.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: spam\r\n\r\nspam\r\n.\r\nQUIT\r\n"u8.ToArray());

        var reply = await bot.ReadReplyAsync();

        Assert.Equal((554, "5.5.0"), (reply.Code, reply.Enhanced));
        Assert.True(await bot.IsClosedByServerAsync());
        Assert.Empty(await Host.ReceiveInboundAsync());
        Assert.Equal(0, await Host.CountSpoolBlobsAsync());
        Assert.Contains(_log.Messages, m => m.Contains("before the greeting (early talker)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_that_waits_for_the_greeting_is_served_after_the_delay()
    {
        // Python's smtplib reads the 220 before it says EHLO, as RFC 5321 §3.1 asks.
        var script = $"""
            import smtplib
            with smtplib.SMTP("127.0.0.1", {Host.Port(ListenerNames.Mx)}, local_hostname="patient.test", timeout=30) as s:
                s.sendmail("someone@remote.test", ["bob@example.test"], "Subject: waited\r\n\r\npatient\r\n")
            """;
        var (exitCode, output) = await Peers.RunAsync("python3", ["-c", script]);

        Assert.True(exitCode == 0, output);
        var envelope = Assert.Single(await Host.ReceiveInboundAsync());
        Assert.Contains("patient", await Host.ReadSpoolAsync(envelope.SpoolBlob));
    }

    [Fact]
    public async Task A_client_that_leaves_before_the_greeting_is_not_logged_as_an_early_talker()
    {
        await using (await SmtpTestClient.ConnectAsync(Host.Port(ListenerNames.Mx)))
        {
        }

        // The next client is served, so the first one's session has ended.
        await using var next = await SmtpTestClient.ConnectAndGreetAsync(Host.Port(ListenerNames.Mx));
        Assert.Equal(221, (await next.CommandAsync("QUIT")).Code);
        Assert.DoesNotContain(_log.Messages, m => m.Contains("early talker", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Submission_does_not_wait_before_the_greeting_so_input_sent_at_once_is_answered()
    {
        await using var client = await SmtpTestClient.ConnectAsync(Host.Port(ListenerNames.Submission), preamble: "EHLO eager.test\r\n"u8.ToArray());

        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        Assert.Equal(221, (await client.CommandAsync("QUIT")).Code);
    }
}
