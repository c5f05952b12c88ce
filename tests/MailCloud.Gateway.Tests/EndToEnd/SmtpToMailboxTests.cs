using System.Collections.Concurrent;
using System.Diagnostics;
using MailCloud.Core.Diagnostics;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Pop3;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailCloud.Gateway.Tests.EndToEnd;

/// <summary>
/// The whole local system in one host, as <c>mailcloud dev</c> runs it: SMTP in, the pipeline
/// stages pumped from Azurite queues, and the message read back over IMAP and POP3.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SmtpToMailboxTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private readonly ConcurrentQueue<Activity> _activities = new();
    private ActivityListener? _listener;
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MailCloudTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);

        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:SrsSecret"] = "end-to-end-test-secret-0123456789",
            ["Pipeline:RunnerPollInterval"] = "00:00:00.200",
            ["Directory:PasswordHashIterations"] = "1000",
        };
        var pipelineConfiguration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _host = await GatewayTestHost.StartAsync(azurite, settings: settings, configureServices: services =>
        {
            services.AddImap();
            services.AddPop3();
            services.AddMailPipeline(pipelineConfiguration);
            services.AddLocalPipelineRunner();
        });
        await Host.SeedDirectoryAsync(("alice@example.test", Password), ("bob@example.test", Password));
        await Host.Services.GetRequiredService<IMailDirectory>()
            .AddAliasAsync("team@example.test", ["alice@example.test", "bob@example.test"], CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _listener?.Dispose();
    }

    [Fact]
    public async Task Mail_to_an_account_reaches_its_inbox_over_imap_and_pop3_in_one_trace()
    {
        await SendAsync(ListenerNames.Mx, "carol@remote.test", "alice@example.test", "Hello Alice");

        using var imap = await WaitForMessagesAsync("alice@example.test", 1);
        var message = await imap.Inbox.GetMessageAsync(0);
        Assert.Equal("Hello Alice", message.Subject);
        Assert.Equal("alice@example.test", message.Headers["Delivered-To"]);
        Assert.Equal("<carol@remote.test>", message.Headers["Return-Path"]);
        Assert.StartsWith("from ", message.Headers["Received"]);

        using var pop3 = new Pop3Client();
        await pop3.ConnectAsync("127.0.0.1", Host.Port(ListenerNames.Pop3), SecureSocketOptions.None);
        await pop3.AuthenticateAsync("alice@example.test", Password);
        Assert.Equal(1, pop3.Count);
        Assert.Equal("Hello Alice", (await pop3.GetMessageAsync(0)).Subject);

        // One trace from SMTP acceptance through routing to the mailbox append (which Route does itself for one mailbox).
        var accept = Assert.Single(_activities, a => a.OperationName == "smtp.accept");
        var route = Assert.Single(_activities, a => a.OperationName == "pipeline.route");
        var deliver = Assert.Single(_activities, a => a.OperationName == "mailbox.deliver");
        Assert.Equal(accept.TraceId, route.TraceId);
        Assert.Equal(accept.SpanId, route.ParentSpanId);
        Assert.Equal(route.TraceId, deliver.TraceId);
        Assert.Equal(route.SpanId, deliver.ParentSpanId);
    }

    [Fact]
    public async Task Mail_to_an_alias_reaches_every_target_once()
    {
        await SendAsync(ListenerNames.Mx, "carol@remote.test", "team@example.test", "To the team");

        foreach (var account in new[] { "alice@example.test", "bob@example.test" })
        {
            using var imap = await WaitForMessagesAsync(account, 1);
            Assert.Equal("To the team", (await imap.Inbox.GetMessageAsync(0)).Subject);
        }
    }

    [Fact]
    public async Task Submitted_mail_between_local_users_is_delivered()
    {
        using (var smtp = new SmtpClient())
        {
            smtp.ServerCertificateValidationCallback = (_, _, _, _) => true;
            await smtp.ConnectAsync("127.0.0.1", Host.Port(ListenerNames.Submission), SecureSocketOptions.StartTls);
            await smtp.AuthenticateAsync("alice@example.test", Password);
            await smtp.SendAsync(Message("alice@example.test", "bob@example.test", "From Alice"));
            await smtp.DisconnectAsync(true);
        }

        using var imap = await WaitForMessagesAsync("bob@example.test", 1);
        Assert.Equal("From Alice", (await imap.Inbox.GetMessageAsync(0)).Subject);
    }

    private async Task SendAsync(string listener, string from, string to, string subject)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", Host.Port(listener), SecureSocketOptions.None);
        await smtp.SendAsync(Message(from, to, subject));
        await smtp.DisconnectAsync(true);
    }

    private static MimeMessage Message(string from, string to, string subject) =>
        new(new[] { MailboxAddress.Parse(from) }, new[] { MailboxAddress.Parse(to) }, subject, new TextPart("plain") { Text = "Hello from the end-to-end test." });

    /// <summary>Logs in over IMAP and waits (bounded) until INBOX holds <paramref name="count"/> messages.</summary>
    private async Task<ImapClient> WaitForMessagesAsync(string account, int count)
    {
        var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", Host.Port(ListenerNames.Imap), SecureSocketOptions.None);
        await imap.AuthenticateAsync(account, Password);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (imap.Inbox.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            await imap.NoOpAsync();
        }

        Assert.Equal(count, imap.Inbox.Count);
        return imap;
    }
}
