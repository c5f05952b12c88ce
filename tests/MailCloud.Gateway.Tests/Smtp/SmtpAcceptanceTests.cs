using MailCloud.Core.Queueing;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailCloud.Gateway.Tests.Smtp;

/// <summary>Mail in through real clients over real sockets, read back from the queue and the spool on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpAcceptanceTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private GatewayTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await GatewayTestHost.StartAsync(azurite);
        await _host.SeedDirectoryAsync(("alice@example.test", "alice-secret"), ("bob@example.test", "bob-secret"));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static MimeMessage Message(string from, string to, string body = "Hello.")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "test";
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private static async Task<SmtpClient> MailKitAsync(int port, SecureSocketOptions security)
    {
        var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", port, security);
        return client;
    }

    [Fact]
    public async Task Mx_accepts_mail_for_a_local_user_and_queues_it_with_the_spooled_message()
    {
        using (var client = await MailKitAsync(_host.Port(ListenerNames.Mx), SecureSocketOptions.StartTls))
        {
            await client.SendAsync(Message("sender@remote.test", "bob@example.test", "Body line.\r\n.leading dot"));
            await client.DisconnectAsync(true);
        }

        var envelope = Assert.Single(await _host.ReceiveInboundAsync());
        Assert.Equal("sender@remote.test", envelope.MailFrom);
        Assert.Equal("bob@example.test", Assert.Single(envelope.Recipients).Address);
        Assert.Equal("TLSv1.3", envelope.ReceivedFrom.TlsProtocol);
        Assert.Equal(ListenerNames.Mx, envelope.ReceivedFrom.Listener);
        Assert.Null(envelope.ReceivedFrom.AuthenticatedUser);

        var stored = await _host.ReadSpoolAsync(envelope.SpoolBlob);
        // Our Authentication-Results first (RFC 8601 §5), then our Received (remote.test publishes nothing).
        Assert.StartsWith($"Authentication-Results: {GatewayTestHost.HostName};\r\n\tspf=none smtp.mailfrom=remote.test;", stored);
        Assert.Contains("\r\nReceived: from ", stored);
        Assert.Contains("([127.0.0.1])", stored);
        Assert.Contains($"by {GatewayTestHost.HostName} (MailCloud) with ESMTPS (using TLSv1.3", stored);
        Assert.Contains("for <bob@example.test>", stored);
        Assert.Contains("\r\n.leading dot", stored);
        Assert.Equal(stored.Length, envelope.Size);
    }

    [Fact]
    public async Task Submission_over_implicit_tls_sends_anywhere_as_the_authenticated_user()
    {
        using (var client = await MailKitAsync(_host.Port(ListenerNames.Submissions), SecureSocketOptions.SslOnConnect))
        {
            await client.AuthenticateAsync("alice@example.test", "alice-secret");
            await client.SendAsync(Message("alice@example.test", "someone@remote.test"));
            await client.DisconnectAsync(true);
        }

        var envelope = Assert.Single(await _host.ReceiveInboundAsync());
        Assert.Equal("someone@remote.test", envelope.Recipients[0].Address);
        Assert.Equal("alice@example.test", envelope.ReceivedFrom.AuthenticatedUser);
        Assert.Contains("with ESMTPSA", await _host.ReadSpoolAsync(envelope.SpoolBlob));
    }

    [Fact]
    public async Task A_30_MB_message_streams_through()
    {
        var body = string.Concat(Enumerable.Repeat(new string('x', 76) + "\r\n", 30 * 1024 * 1024 / 78));
        using (var client = await MailKitAsync(_host.Port(ListenerNames.Submission), SecureSocketOptions.StartTls))
        {
            await client.AuthenticateAsync("alice@example.test", "alice-secret");
            await client.SendAsync(Message("alice@example.test", "bob@example.test", body));
            await client.DisconnectAsync(true);
        }

        var envelope = Assert.Single(await _host.ReceiveInboundAsync());
        Assert.InRange(envelope.Size, 30L * 1024 * 1024 - 4096, 31L * 1024 * 1024);
    }

    [Fact]
    public async Task Python_smtplib_sends_with_starttls_and_login()
    {
        var port = _host.Port(ListenerNames.Submission);
        var script = $$"""
            import smtplib, ssl
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with smtplib.SMTP("127.0.0.1", {{port}}) as s:
                s.ehlo("python.test")
                s.starttls(context=context)
                s.ehlo("python.test")
                s.login("alice@example.test", "alice-secret")
                s.sendmail("alice@example.test", ["bob@example.test"], "Subject: py\r\n\r\nfrom python\r\n")
            """;
        var (exitCode, output) = await Peers.RunAsync("python3", ["-c", script]);
        Assert.True(exitCode == 0, output);

        var envelope = Assert.Single(await _host.ReceiveInboundAsync());
        Assert.Contains("from python", await _host.ReadSpoolAsync(envelope.SpoolBlob));
        Assert.Equal("python.test", envelope.ReceivedFrom.Helo);
    }

    [Fact]
    public async Task Swaks_pipelines_with_auth_login_on_loopback()
    {
        // Plaintext AUTH on loopback (AllowPlaintextAuthOnLoopback); swaks' TLS needs Net::SSLeay, which the CI peers omit.
        var (exitCode, output) = await Peers.RunAsync("swaks",
        [
            "--server", $"127.0.0.1:{_host.Port(ListenerNames.Submission)}", "--ehlo", "swaks.test",
            "--pipeline", "--auth", "LOGIN", "--auth-user", "alice@example.test", "--auth-password", "alice-secret",
            "--from", "alice@example.test", "--to", "bob@example.test,someone@remote.test", "--body", "from swaks",
        ]);
        Assert.True(exitCode == 0, output);
        Assert.Contains("250 2.0.0 OK: queued as", output);

        var envelope = Assert.Single(await _host.ReceiveInboundAsync());
        Assert.Equal(["bob@example.test", "someone@remote.test"], envelope.Recipients.Select(r => r.Address));
        var stored = await _host.ReadSpoolAsync(envelope.SpoolBlob);
        Assert.Contains("from swaks", stored);
        Assert.DoesNotContain("for <", stored);
    }

    [Fact]
    public async Task Pipelined_commands_in_one_packet_all_get_answers_in_order()
    {
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(_host.Port(ListenerNames.Mx));
        await client.SendRawAsync(
            "MAIL FROM:<a@remote.test>\r\nRCPT TO:<bob@example.test>\r\nRCPT TO:<nobody@example.test>\r\nRCPT TO:<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.test\r\nDATA\r\n");
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        Assert.Equal("5.1.1", (await client.ReadReplyAsync()).Enhanced);
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        Assert.Equal(354, (await client.ReadReplyAsync()).Code);
        await client.SendRawAsync("Subject: p\r\n\r\npipelined\r\n.\r\nQUIT\r\n");
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        Assert.Equal(221, (await client.ReadReplyAsync()).Code);

        var envelope = Assert.Single(await _host.ReceiveInboundAsync());
        Assert.Equal(["bob@example.test", "alice@example.test"], envelope.Recipients.Select(r => r.Address));
        Assert.Equal(DsnNotify.Success | DsnNotify.Failure, envelope.Recipients[1].Notify);
        Assert.Equal("rfc822;alice@example.test", envelope.Recipients[1].OriginalRecipient);
    }

    [Fact]
    public async Task Bdat_chunks_are_joined_without_dot_handling()
    {
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(_host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test> RET=HDRS ENVID=env+2B1")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        var first = "Subject: chunked\r\n\r\n";
        var second = ".dot stays\r\n";
        await client.SendRawAsync($"BDAT {first.Length}\r\n{first}");
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        await client.SendRawAsync($"BDAT {second.Length} LAST\r\n{second}");
        Assert.Equal(250, (await client.ReadReplyAsync()).Code);
        Assert.Equal(503, (await client.CommandAsync("DATA")).Code);

        var envelope = Assert.Single(await _host.ReceiveInboundAsync());
        Assert.Equal("env+1", envelope.EnvelopeId);
        Assert.Equal(DsnReturn.Headers, envelope.Return);
        Assert.EndsWith("Subject: chunked\r\n\r\n.dot stays\r\n", await _host.ReadSpoolAsync(envelope.SpoolBlob));
    }

    [Fact]
    public async Task Rset_abandons_the_transaction_and_a_new_one_succeeds()
    {
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(_host.Port(ListenerNames.Mx));
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RSET")).Code);
        Assert.Equal(503, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<>")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<alice@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        Assert.Equal(250, (await client.CommandAsync("Subject: bounce\r\n\r\nx\r\n.")).Code);

        var envelope = Assert.Single(await _host.ReceiveInboundAsync());
        Assert.True(envelope.IsBounce);
        Assert.Equal("alice@example.test", envelope.Recipients[0].Address);
    }

    [Fact]
    public async Task Helo_noop_vrfy_help_and_quit_answer_as_specified()
    {
        await using var client = await SmtpTestClient.ConnectAsync(_host.Port(ListenerNames.Mx));
        var greeting = await client.ReadReplyAsync();
        Assert.Equal(220, greeting.Code);
        Assert.StartsWith(GatewayTestHost.HostName, greeting.Lines[0]);
        Assert.Equal(503, (await client.CommandAsync("MAIL FROM:<a@remote.test>")).Code);
        Assert.Equal(250, (await client.CommandAsync("HELO client.test")).Code);
        Assert.Equal(250, (await client.CommandAsync("NOOP")).Code);
        var vrfy = await client.CommandAsync("VRFY bob");
        Assert.Equal((252, "2.5.0"), (vrfy.Code, vrfy.Enhanced));
        Assert.Equal(214, (await client.CommandAsync("HELP")).Code);

        var ehlo = await client.CommandAsync("EHLO client.test");
        Assert.Contains("PIPELINING", ehlo.Lines);
        Assert.Contains("SIZE 52428800", ehlo.Lines);
        Assert.Contains("8BITMIME", ehlo.Lines);
        Assert.Contains("SMTPUTF8", ehlo.Lines);
        Assert.Contains("ENHANCEDSTATUSCODES", ehlo.Lines);
        Assert.Contains("CHUNKING", ehlo.Lines);
        Assert.Contains("DSN", ehlo.Lines);
        Assert.Contains("STARTTLS", ehlo.Lines);
        Assert.DoesNotContain(ehlo.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        Assert.Equal(221, (await client.CommandAsync("QUIT")).Code);
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Smtputf8_addresses_need_the_smtputf8_parameter()
    {
        await using var client = await SmtpTestClient.ConnectAndGreetAsync(_host.Port(ListenerNames.Mx));
        Assert.Equal("5.6.7", (await client.CommandAsync("MAIL FROM:<jöran@remote.test>")).Enhanced);
        Assert.Equal(250, (await client.CommandAsync("MAIL FROM:<jöran@remote.test> SMTPUTF8")).Code);
        Assert.Equal(250, (await client.CommandAsync("RCPT TO:<bob@example.test>")).Code);
        Assert.Equal(354, (await client.CommandAsync("DATA")).Code);
        Assert.Equal(250, (await client.CommandAsync("Subject: ü\r\n\r\nx\r\n.")).Code);

        var envelope = Assert.Single(await _host.ReceiveInboundAsync());
        Assert.True(envelope.SmtpUtf8);
        Assert.Equal("jöran@remote.test", envelope.MailFrom);
        Assert.Contains("with UTF8SMTP", await _host.ReadSpoolAsync(envelope.SpoolBlob));
    }
}
