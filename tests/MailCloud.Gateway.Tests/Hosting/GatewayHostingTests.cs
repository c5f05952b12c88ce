using System.Net;
using System.Text;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Hosting;

/// <summary>The connection framework over real sockets: TLS, limits, PROXY protocol, health, timeouts.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class GatewayHostingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Implicit_tls_listener_speaks_tls_from_the_first_byte()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite);
        await using var client = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Submissions), implicitTls: true);
        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        var ehlo = await client.CommandAsync("EHLO client.test");
        Assert.DoesNotContain("STARTTLS", ehlo.Lines);
        Assert.Contains("AUTH PLAIN LOGIN", ehlo.Lines);
    }

    [Fact]
    public async Task The_per_client_limit_refuses_politely_with_421()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite, o => o.Listeners.ForEach(l => l.MaxConnectionsPerClient = 1));
        await using var first = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(220, (await first.ReadReplyAsync()).Code);

        await using (var second = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx)))
        {
            var refused = await second.ReadReplyAsync();
            Assert.Equal((421, "4.7.0"), (refused.Code, refused.Enhanced));
            Assert.True(await second.IsClosedByServerAsync());
        }

        Assert.Equal(221, (await first.CommandAsync("QUIT")).Code);
        await first.IsClosedByServerAsync();

        // The slot is released when the first session ends.
        var third = await RetryAsync(async () =>
        {
            await using var client = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx));
            return (await client.ReadReplyAsync()).Code;
        }, code => code == 220);
        Assert.Equal(220, third);
    }

    [Fact]
    public async Task The_listener_limit_refuses_with_421_and_on_implicit_tls_before_the_handshake()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite, o => o.Listeners.ForEach(l => l.MaxConnections = 1));
        await using var first = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(220, (await first.ReadReplyAsync()).Code);
        await using var second = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(421, (await second.ReadReplyAsync()).Code);

        await using var firstTls = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Submissions), implicitTls: true);
        Assert.Equal(220, (await firstTls.ReadReplyAsync()).Code);
        await Assert.ThrowsAsync<IOException>(() => SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Submissions), implicitTls: true));
    }

    [Fact]
    public async Task A_trusted_proxy_supplies_the_client_address()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite, o => o.TrustedProxies = ["127.0.0.0/8"]);
        await host.SeedDirectoryAsync(("bob@example.test", "bob-secret"));
        var v1 = Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 10.0.0.1 51234 25\r\n");
        await SendOneMessageAsync(host, v1);
        var v2 = ProxyProtocolParserTests.V2Tcp4(new IPEndPoint(IPAddress.Parse("198.51.100.9"), 40000), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 25));
        await SendOneMessageAsync(host, v2);

        var envelopes = await host.ReceiveInboundAsync();
        Assert.Equal(["198.51.100.9", "203.0.113.7"], envelopes.Select(e => e.ReceivedFrom.RemoteIp).Order());
        Assert.Contains("([203.0.113.7])", await host.ReadSpoolAsync(envelopes.Single(e => e.ReceivedFrom.RemoteIp == "203.0.113.7").SpoolBlob));
    }

    [Fact]
    public async Task A_trusted_proxy_without_a_valid_header_is_disconnected()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite, o => o.TrustedProxies = ["127.0.0.1"]);
        await using var client = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx), preamble: Encoding.ASCII.GetBytes("EHLO not-a-proxy\r\n"));
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task A_proxy_header_from_an_untrusted_peer_is_just_a_bad_command()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite);
        await using var client = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        Assert.Equal(500, (await client.CommandAsync("PROXY TCP4 203.0.113.7 10.0.0.1 51234 25")).Code);
    }

    [Fact]
    public async Task Health_endpoints_report_liveness_and_readiness()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{host.Port(ListenerNames.Health)}") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        await host.Storage.Queues.GetQueueClient(host.InboundQueue).DeleteAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task An_idle_client_is_disconnected()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite, o => o.Listeners.ForEach(l => l.IdleTimeout = TimeSpan.FromMilliseconds(300)));
        await using var client = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Graceful_shutdown_lets_a_data_transfer_finish_then_says_421()
    {
        var host = await GatewayTestHost.StartAsync(azurite);
        await host.SeedDirectoryAsync(("bob@example.test", "bob-secret"));
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        await client.SendRawAsync("Subject: in flight\r\n\r\n");

        var stopping = host.DisposeAsync().AsTask();
        await client.SendRawAsync("still arriving\r\n.\r\n");
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        var goodbye = await client.ReadReplyAsync();
        Assert.Equal((421, "4.3.2"), (goodbye.Code, goodbye.Enhanced));
        await stopping;
    }

    private static async Task SendOneMessageAsync(GatewayTestHost host, byte[] preamble)
    {
        await using var client = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Mx), preamble: preamble);
        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        Assert.Equal(250, (await client.CommandAsync("EHLO proxied.test")).Code);
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        Assert.Equal(250, (await client.CommandAsync("Subject: proxied\r\n\r\nx\r\n.")).Code);
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> attempt, Func<T, bool> done)
    {
        for (var i = 0; ; i++)
        {
            var result = await attempt();
            if (done(result) || i == 50)
            {
                return result;
            }

            await Task.Delay(100);
        }
    }
}
