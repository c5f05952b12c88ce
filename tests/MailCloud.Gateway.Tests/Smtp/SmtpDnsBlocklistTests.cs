using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>
/// DNS blocklists at connect on the MX (RFC 5782), with zones served by dnsmasq: the test client is
/// 127.0.0.1, so each zone's answer for 1.0.0.127.&lt;zone&gt; decides.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpDnsBlocklistTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _log = new();
    private DnsServer? _dns;

    public async Task InitializeAsync() =>
        _dns = await DnsServer.StartAsync(
        [
            "--local=/test/",
            "--host-record=1.0.0.127.listed.test,127.0.0.2",
            // Spamhaus's "query refused" code: an answer, but no listing.
            "--host-record=1.0.0.127.errors.test,127.255.255.254",
            // A list whose servers do not answer: dnsmasq forwards to a port nobody listens on.
            $"--server=/down.test/127.0.0.1#{FreePorts.Next()}",
        ]);

    public async Task DisposeAsync()
    {
        if (_dns is not null)
        {
            await _dns.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_listed_client_is_greeted_with_554_5_7_1_naming_the_zone_and_only_quit_is_served()
    {
        await using var host = await StartAsync("clean.test", "listed.test");
        await using var client = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx));

        var greeting = await client.ReadReplyAsync();
        Assert.Equal((554, "5.7.1"), (greeting.Code, greeting.Enhanced));
        Assert.Equal("5.7.1 Service unavailable; client [127.0.0.1] blocked using listed.test", greeting.Lines[^1]);
        // RFC 5321 §3.1: after a 554 greeting, 503 to anything but QUIT.
        Assert.Equal((503, "5.5.1"), (await client.CommandAsync("EHLO client.test")).Status);
        Assert.Equal((503, "5.5.1"), (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Status);
        Assert.Equal((503, "5.5.1"), (await client.CommandAsync("RCPT TO:<bob@example.test>")).Status);
        Assert.Equal(221, (await client.CommandAsync("QUIT")).Code);
        Assert.True(await client.IsClosedByServerAsync());

        Assert.Empty(await host.ReceiveInboundAsync());
        Assert.Contains(_log.Messages, m => m.Contains("Refused 127.0.0.1 with 554 5.7.1: listed by DNS blocklist listed.test (127.0.0.2)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Submission_does_not_ask_the_blocklists()
    {
        await using var host = await StartAsync("listed.test");
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Submission));
        Assert.Equal(221, (await client.CommandAsync("QUIT")).Code);
    }

    [Fact]
    public async Task A_zone_that_does_not_answer_or_answers_an_error_code_lets_the_client_in()
    {
        await using var host = await StartAsync("down.test", "errors.test", "clean.test");
        var (exitCode, output) = await Peers.RunAsync("swaks",
        [
            "--server", $"127.0.0.1:{host.Port(ListenerNames.Mx)}", "--ehlo", "swaks.test",
            "--from", "someone@remote.test", "--to", "bob@example.test", "--body", "not listed",
        ]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("220 mx.example.test ESMTP", output);
        Assert.Contains("250 2.0.0 OK: queued as", output);
        Assert.Single(await host.ReceiveInboundAsync());
        Assert.Contains(_log.Messages, m => m.Contains("DNS blocklist down.test did not answer", StringComparison.Ordinal));
        Assert.Contains(_log.Messages, m => m.Contains("DNS blocklist errors.test answered 127.255.255.254, which is no listing code", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_zone_that_is_not_a_domain_name_is_refused_at_start()
    {
        await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync("not a zone"));
    }

    private async Task<GatewayTestHost> StartAsync(params string[] zones)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dns:Servers:0"] = _dns!.Endpoint,
            ["Dns:Timeout"] = "00:00:00.500",
            ["Dns:Retries"] = "0",
            ["Logging:LogLevel:MailCloud"] = "Information",
        };
        for (var i = 0; i < zones.Length; i++)
        {
            settings[$"Smtp:DnsBlocklists:{i}"] = zones[i];
        }

        var host = await GatewayTestHost.StartAsync(azurite, configureServices: s => s.AddSingleton<ILoggerProvider>(_log), settings: settings);
        await host.SeedDirectoryAsync(("bob@example.test", "bob-secret"));
        return host;
    }
}
