using System.Net;
using System.Net.Sockets;
using MailCloud.Core.Configuration;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Cli.Tests;

/// <summary>
/// <c>mailcloud pipeline</c> beside a separate <c>mailcloud gateway</c>, both real subprocesses on one
/// Azurite: mail the gateway accepts over SMTP is routed and delivered by the pipeline process and
/// read back over the gateway's IMAP; SIGTERM stops the pipeline cleanly.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class PipelineCommandTests(AzuriteFixture azurite)
{
    private const string Account = "alice@example.test";
    private const string Password = "alice-pipeline-pw";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Delivers_what_a_separate_gateway_process_accepted_and_stops_on_sigterm()
    {
        var cli = CreateCli(out var environment);
        await new StorageClients(Options.Create(StorageOf(environment))).EnsureContainersAsync(CancellationToken.None);
        Assert.Equal(0, (await cli.RunAsync("domain", "add", "example.test")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("account", "add", Account, "--password", Password)).ExitCode);
        var smtpPort = FreePorts.Next();
        var imapPort = FreePorts.Next();
        var gatewayCli = new MailCloudProcess(StorageOf(environment), new Dictionary<string, string>(environment)
        {
            ["Gateway__HealthPort"] = "0",
            ["Gateway__Listeners__0__Name"] = "mx",
            ["Gateway__Listeners__0__Protocol"] = "Smtp",
            ["Gateway__Listeners__0__Address"] = "127.0.0.1",
            ["Gateway__Listeners__0__Port"] = smtpPort.ToString(),
            ["Gateway__Listeners__1__Name"] = "imap",
            ["Gateway__Listeners__1__Protocol"] = "Imap",
            ["Gateway__Listeners__1__Address"] = "127.0.0.1",
            ["Gateway__Listeners__1__Port"] = imapPort.ToString(),
        });

        await using var gateway = gatewayCli.Start("gateway", "--ensure-storage");
        await WaitForListenerAsync(smtpPort, gateway);
        await using var pipeline = cli.Start("pipeline");
        var messageId = $"{Guid.NewGuid():N}@remote.test";
        await SendAsync(smtpPort, messageId);

        var delivered = await WaitForInboxAsync(imapPort, pipeline);
        Assert.Equal([messageId], delivered);
        Assert.Contains("Local runner for Route started", pipeline.Output);

        var exitCode = await pipeline.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"pipeline exited {exitCode}:\n{pipeline.Output}");
        Assert.False(gateway.HasExited, "the gateway does not depend on the pipeline process");
    }

    [Fact]
    public async Task Refuses_to_start_with_invalid_pipeline_options_and_names_the_setting()
    {
        var cli = CreateCli(out _, new Dictionary<string, string> { ["Pipeline__SrsSecret"] = "short" });

        var result = await cli.RunAsync("pipeline");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error:", result.Error);
        Assert.Contains("SrsSecret", result.Error);
    }

    /// <summary>A CLI on storage and pipeline queues of this test's own.</summary>
    private MailCloudProcess CreateCli(out Dictionary<string, string> environment, Dictionary<string, string>? extra = null)
    {
        environment = azurite.CreateIsolatedSettings("p")
            .ToDictionary(setting => setting.Key.Replace(":", "__", StringComparison.Ordinal), setting => setting.Value!);
        environment["Pipeline__SrsSecret"] = "pipeline-command-test-srs-secret";
        environment["Pipeline__RunnerPollInterval"] = "00:00:00.200";
        foreach (var (name, value) in extra ?? [])
        {
            environment[name] = value;
        }

        return new MailCloudProcess(StorageOf(environment), environment);
    }

    private static StorageOptions StorageOf(Dictionary<string, string> environment) => new()
    {
        ConnectionString = environment["Storage__ConnectionString"],
        DirectoryContainer = environment["Storage__DirectoryContainer"],
        SpoolContainer = environment["Storage__SpoolContainer"],
        MailboxContainer = environment["Storage__MailboxContainer"],
        MailboxTable = environment["Storage__MailboxTable"],
    };

    private static async Task SendAsync(int port, string messageId)
    {
        var message = new MimeMessage { MessageId = messageId, Subject = "through two processes" };
        message.From.Add(MailboxAddress.Parse("sender@remote.test"));
        message.To.Add(MailboxAddress.Parse(Account));
        message.Body = new TextPart("plain") { Text = "Accepted by the gateway, delivered by the pipeline." };
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(quit: true);
    }

    /// <summary>The Message-IDs in INBOX once it holds anything, polled over IMAP.</summary>
    private static async Task<string[]> WaitForInboxAsync(int port, RunningMailCloud pipeline)
    {
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await imap.AuthenticateAsync(Account, Password);
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            if (imap.Inbox.Count > 0)
            {
                var summaries = await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope);
                return [.. summaries.Select(s => s.Envelope?.MessageId ?? "")];
            }

            await imap.Inbox.CloseAsync();
            Assert.False(pipeline.HasExited, $"the pipeline exited:\n{pipeline.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"nothing delivered within {Patience}; pipeline output:\n{pipeline.Output}");
            await Task.Delay(250);
        }
    }

    private static async Task WaitForListenerAsync(int port, RunningMailCloud process)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Assert.False(process.HasExited, $"exited before listening:\n{process.Output}");
                Assert.True(DateTime.UtcNow < deadline, $"nothing listens on {port}:\n{process.Output}");
                await Task.Delay(200);
            }
        }
    }

}
