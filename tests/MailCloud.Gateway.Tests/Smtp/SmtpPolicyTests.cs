using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Security;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>Who may send what to whom (never an open relay), authentication, and the limits.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpPolicyTests(AzuriteFixture azurite)
{
    private async Task<GatewayTestHost> StartAsync(Action<GatewayOptions>? configure = null, Dictionary<string, string?>? settings = null)
    {
        var host = await GatewayTestHost.StartAsync(azurite, configure, settings: settings);
        await host.SeedDirectoryAsync(("alice@example.test", "alice-secret"), ("bob@example.test", "bob-secret"));
        return host;
    }

    private static string Plain(string user, string password) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    [Fact]
    public async Task Mx_refuses_unknown_users_and_domains_it_does_not_host()
    {
        await using var host = await StartAsync();
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<spammer@remote.test>")).Code);
        var unknown = await client.CommandAsync("RCPT TO:<nobody@example.test>");
        Assert.Equal((550, "5.1.1"), (unknown.Code, unknown.Enhanced));
        var relay = await client.CommandAsync("RCPT TO:<victim@elsewhere.test>");
        Assert.Equal((554, "5.7.1"), (relay.Code, relay.Enhanced));
        Assert.Equal(554, (await client.CommandAsync("DATA")).Code);
        var auth = await client.CommandAsync("AUTH PLAIN " + Plain("alice@example.test", "alice-secret"));
        Assert.Equal(502, auth.Code);
        Assert.Empty(await host.ReceiveInboundAsync());
    }

    [Fact]
    public async Task Submission_requires_authentication_and_an_owned_sender()
    {
        await using var host = await StartAsync();
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Submission));
        var anonymous = await client.CommandAsync("MAIL FROM:<alice@example.test>");
        Assert.Equal((530, "5.7.0"), (anonymous.Code, anonymous.Enhanced));

        Assert.Equal(235, (await client.CommandAsync("AUTH PLAIN " + Plain("alice@example.test", "alice-secret"))).Code);
        var forged = await client.CommandAsync("MAIL FROM:<bob@example.test>");
        Assert.Equal((553, "5.7.1"), (forged.Code, forged.Enhanced));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<Alice@Example.Test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<anyone@remote.test>")).Code);
    }

    [Fact]
    public async Task Auth_is_offered_only_under_tls_when_the_loopback_exception_is_off()
    {
        await using var host = await StartAsync(o => o.AllowPlaintextAuthOnLoopback = false);
        await using var client = await SmtpTestClient.ConnectAsync(host.Port(ListenerNames.Submission));
        await client.ReadReplyAsync();
        var plain = await client.CommandAsync("EHLO client.test");
        Assert.DoesNotContain(plain.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        var refused = await client.CommandAsync("AUTH PLAIN " + Plain("alice@example.test", "alice-secret"));
        Assert.Equal((538, "5.7.11"), (refused.Code, refused.Enhanced));

        await client.StartTlsAsync();
        var secure = await client.CommandAsync("EHLO client.test");
        Assert.Contains("AUTH PLAIN LOGIN", secure.Lines);
        Assert.DoesNotContain("STARTTLS", secure.Lines);
        Assert.Equal(334, (await client.CommandAsync("AUTH LOGIN")).Code);
        Assert.Equal(334, (await client.CommandAsync(Convert.ToBase64String("alice@example.test"u8.ToArray()))).Code);
        Assert.Equal(235, (await client.CommandAsync(Convert.ToBase64String("alice-secret"u8.ToArray()))).Code);
    }

    [Fact]
    public async Task Commands_pipelined_after_starttls_are_discarded_not_run_inside_tls()
    {
        await using var host = await StartAsync();
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        await client.SendRawAsync("STARTTLS\r\nMAIL FROM:<injected@remote.test>\r\n");
        Assert.Equal(220, (await client.ReadReplyAsync()).Code);
        await client.StartTlsHandshakeOnlyAsync();
        Assert.Equal(250, (await client.CommandAsync("EHLO client.test")).Code);
        // Had the injected MAIL run, this would be a nested MAIL (503).
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<real@remote.test>")).Code);
    }

    [Fact]
    public async Task Wrong_passwords_get_535_then_the_lockout_454_and_bad_base64_501()
    {
        await using var host = await StartAsync(settings: new()
        {
            ["AuthenticationThrottle:FreeFailures"] = "0",
            ["AuthenticationThrottle:BaseDelay"] = "00:00:00",
            ["AuthenticationThrottle:MaxDelay"] = "00:00:00",
            ["AuthenticationThrottle:LockoutAfter"] = "3",
        });
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Submission));
        var badBase64 = await client.CommandAsync("AUTH PLAIN not*base64");
        Assert.Equal((501, "5.5.2"), (badBase64.Code, badBase64.Enhanced));
        Assert.Equal(504, (await client.CommandAsync("AUTH WHATEVER")).Code);
        for (var i = 0; i < 3; i++)
        {
            var failed = await client.CommandAsync("AUTH PLAIN " + Plain("alice@example.test", "wrong"));
            Assert.Equal((535, "5.7.8"), (failed.Code, failed.Enhanced));
        }

        var locked = await client.CommandAsync("AUTH PLAIN " + Plain("alice@example.test", "alice-secret"));
        Assert.Equal((454, "4.7.0"), (locked.Code, locked.Enhanced));
    }

    [Fact]
    public async Task MailKit_sees_authentication_failure()
    {
        await using var host = await StartAsync();
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", host.Port(ListenerNames.Submission), SecureSocketOptions.StartTls);
        var failure = await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice@example.test", "nope"));
        Assert.Contains("5.7.8", failure.Message + (failure.InnerException?.Message ?? ""), StringComparison.Ordinal);
        await client.AuthenticateAsync("alice@example.test", "alice-secret");
        Assert.True(client.IsAuthenticated);
    }

    [Fact]
    public async Task Size_limits_refuse_at_mail_and_at_the_end_of_data_storing_nothing()
    {
        await using var host = await StartAsync(settings: new() { ["Smtp:MaxMessageSize"] = "4096" });
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        var declared = await client.CommandAsync("MAIL FROM:<a@remote.test> SIZE=5000");
        Assert.Equal((552, "5.3.4"), (declared.Code, declared.Enhanced));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test> SIZE=100")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        var body = string.Concat(Enumerable.Repeat(new string('y', 70) + "\r\n", 100));
        var oversize = await client.CommandAsync(body + ".");
        Assert.Equal((552, "5.3.4"), (oversize.Code, oversize.Enhanced));
        Assert.Equal(250, (await client.CommandAsync("NOOP")).Code);
        Assert.Empty(await host.ReceiveInboundAsync());
        Assert.Equal(0, await host.CountSpoolBlobsAsync());
    }

    [Fact]
    public async Task Too_many_recipients_get_452()
    {
        await using var host = await StartAsync(settings: new() { ["Smtp:MaxRecipients"] = "1" });
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        var second = await client.CommandAsync("RCPT TO:<alice@example.test>");
        Assert.Equal((452, "4.5.3"), (second.Code, second.Enhanced));
    }

    [Fact]
    public async Task Long_lines_are_refused_and_nothing_is_stored()
    {
        await using var host = await StartAsync();
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        var longCommand = await client.CommandAsync("NOOP " + new string('n', 600));
        Assert.Equal((500, "5.5.2"), (longCommand.Code, longCommand.Enhanced));
        var hugeCommand = await client.CommandAsync("NOOP " + new string('n', 100_000));
        Assert.Equal(500, hugeCommand.Code);

        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        var longText = await client.CommandAsync("Subject: x\r\n\r\n" + new string('z', 1001) + "\r\n.");
        Assert.Equal((550, "5.5.2"), (longText.Code, longText.Enhanced));
        Assert.Empty(await host.ReceiveInboundAsync());
        Assert.Equal(0, await host.CountSpoolBlobsAsync());
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\r.\n")]
    [InlineData("\n.\r\n")]
    [InlineData("\r\n.\r")]
    [InlineData("\r\n\0.\r\n")]
    public async Task Smuggling_sequences_get_550_and_a_closed_connection_and_queue_nothing(string sequence)
    {
        await using var host = await StartAsync();
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        await client.SendRawAsync("Subject: first\r\n\r\nhello" + sequence +
            "MAIL FROM:<smuggled@remote.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\n.\r\n");
        var reply = await client.ReadReplyAsync();
        Assert.Equal((550, "5.6.0"), (reply.Code, reply.Enhanced));
        Assert.True(await client.IsClosedByServerAsync());
        Assert.Empty(await host.ReceiveInboundAsync());
        Assert.Equal(0, await host.CountSpoolBlobsAsync());
    }

    [Fact]
    public async Task Too_many_errors_end_the_session_with_421()
    {
        await using var host = await StartAsync(settings: new() { ["Smtp:MaxErrors"] = "3" });
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(500, (await client.CommandAsync("FROB")).Code);
        Assert.Equal(500, (await client.CommandAsync("FROB")).Code);
        Assert.Equal(500, (await client.CommandAsync("FROB")).Code);
        var goodbye = await client.ReadReplyAsync();
        Assert.Equal((421, "4.7.0"), (goodbye.Code, goodbye.Enhanced));
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task A_client_that_disconnects_during_data_leaves_nothing_behind()
    {
        await using var host = await StartAsync();
        var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        await client.SendRawAsync("Subject: cut\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('c', 70) + "\r\n", 20_000)));
        await client.DisposeAsync();

        // The server notices the drop and abandons the blob; a later session proves it is still serving.
        await using var next = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await next.CommandAsync("NOOP")).Code);
        Assert.Empty(await host.ReceiveInboundAsync());
        Assert.Equal(0, await host.CountSpoolBlobsAsync());
    }

    [Fact]
    public async Task When_the_inbound_queue_fails_the_client_gets_451_and_no_spool_blob_remains()
    {
        await using var host = await StartAsync();
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        await client.SendRawAsync("Subject: doomed\r\n\r\nbody\r\n");
        await host.Storage.Queues.GetQueueClient(host.InboundQueue).DeleteAsync();

        var reply = await client.CommandAsync(".");
        Assert.Equal((451, "4.3.0"), (reply.Code, reply.Enhanced));
        Assert.Equal(0, await host.CountSpoolBlobsAsync());
    }

    [Fact]
    public async Task When_the_spool_is_unreachable_the_client_gets_451()
    {
        await using var host = await StartAsync();
        await host.Storage.Spool.DeleteAsync();
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        var reply = await client.CommandAsync("DATA");
        if (reply.Code == 354)
        {
            reply = await client.CommandAsync("Subject: doomed\r\n\r\nbody\r\n.");
        }

        Assert.Equal((451, "4.3.0"), (reply.Code, reply.Enhanced));
        Assert.Empty(await host.ReceiveInboundAsync());
    }
}
