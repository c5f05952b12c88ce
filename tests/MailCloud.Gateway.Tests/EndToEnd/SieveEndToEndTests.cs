using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Sieve;
using MailCloud.Core.Sieve.Actions;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

using static MailCloud.Gateway.Tests.EndToEnd.EndToEndMail;

namespace MailCloud.Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 13 end to end: an account's active Sieve script (stored with the real script store) decides
/// what happens to mail that arrives over SMTP, and the outcome is read back over IMAP.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SieveEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private const string Alice = "alice@example.test";
    private const string Bob = "bob@example.test";
    private const string Carol = "carol@example.test";
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pipeline:SrsSecret"] = "end-to-end-test-secret-0123456789",
            ["Pipeline:RunnerPollInterval"] = "00:00:00.200",
            ["Directory:PasswordHashIterations"] = "1000",
            // Each test stores its script before the first delivery; no cache keeps a stale "no script".
            ["Sieve:ScriptCacheTtl"] = "00:00:00",
        };
        var pipelineConfiguration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _host = await GatewayTestHost.StartAsync(azurite, settings: settings, configureServices: services =>
        {
            services.AddImap();
            services.AddMailPipeline(pipelineConfiguration);
            services.AddLocalPipelineRunner();
        });
        await Host.SeedDirectoryAsync((Alice, Password), (Bob, Password), (Carol, Password));
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Fileinto_with_flags_files_matching_mail_and_keeps_the_rest_in_inbox()
    {
        await ActivateAsync(Alice, """
            require ["fileinto", "mailbox", "imap4flags"];
            if header :contains "Subject" "[list]" {
                addflag "\\Flagged";
                addflag "$project";
                fileinto :create "Lists";
            }
            """);

        await SendOverMxAsync("carol@remote.test", Alice, "[list] weekly digest");
        await SendOverMxAsync("carol@remote.test", Alice, "Just for you");

        using var imap = await ConnectAsync(Alice);
        var lists = await WaitForFolderAsync(imap, "Lists", 1);
        var filed = Assert.Single(await lists.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags));
        Assert.Equal("[list] weekly digest", filed.Envelope!.Subject);
        Assert.True(filed.Flags!.Value.HasFlag(MessageFlags.Flagged));
        Assert.Contains("$project", filed.Keywords);

        var inbox = await WaitForFolderAsync(imap, "INBOX", 1);
        Assert.Equal("Just for you", (await inbox.GetMessageAsync(0)).Subject);
    }

    [Fact]
    public async Task Reject_files_nothing_and_sends_an_mdn_to_the_envelope_sender()
    {
        await ActivateAsync(Alice, """
            require "reject";
            reject "no thanks";
            """);

        await SubmitAsync(Bob, Alice, "Unwanted");

        using var bob = await ConnectAsync(Bob);
        var mdn = await (await WaitForFolderAsync(bob, "INBOX", 1)).GetMessageAsync(0);
        Assert.Equal("Rejected: Unwanted", mdn.Subject);
        Assert.Equal("auto-replied", mdn.Headers["Auto-Submitted"]);
        var report = Assert.IsType<MultipartReport>(mdn.Body);
        Assert.Equal("disposition-notification", report.ReportType);
        Assert.Contains("no thanks", report.OfType<TextPart>().First().Text);

        // The MDN is sent only after the script decided: alice's delivery is finished, with nothing filed.
        using var alice = await ConnectAsync(Alice);
        Assert.Equal(0, (await WaitForFolderAsync(alice, "INBOX", 0)).Count);
    }

    [Fact]
    public async Task Redirect_delivers_to_the_target_with_a_trace_field_and_not_to_the_account()
    {
        await ActivateAsync(Alice, $"""
            redirect "{Bob}";
            """);

        await SendOverMxAsync("carol@remote.test", Alice, "Please forward");

        using var bob = await ConnectAsync(Bob);
        var redirected = await (await WaitForFolderAsync(bob, "INBOX", 1)).GetMessageAsync(0);
        Assert.Equal("Please forward", redirected.Subject);
        Assert.Equal(Alice, redirected.Headers[SieveActionExecutor.RedirectedFromHeader]);

        using var alice = await ConnectAsync(Alice);
        Assert.Equal(0, (await WaitForFolderAsync(alice, "INBOX", 0)).Count);
    }

    [Fact]
    public async Task Vacation_answers_a_sender_once_and_never_bulk_mail()
    {
        await ActivateAsync(Alice, """
            require "vacation";
            vacation :days 1 :subject "Away" "I am away";
            """);

        await SubmitAsync(Bob, Alice, "First");
        using var bob = await ConnectAsync(Bob);
        var reply = await (await WaitForFolderAsync(bob, "INBOX", 1)).GetMessageAsync(0);
        Assert.Equal("Away", reply.Subject);
        Assert.Equal("auto-replied", reply.Headers["Auto-Submitted"]);
        Assert.Contains("I am away", reply.TextBody);

        await SubmitAsync(Bob, Alice, "Second");
        await SubmitAsync(Carol, Alice, "Newsletter", precedence: "bulk");
        using var alice = await ConnectAsync(Alice);
        await WaitForFolderAsync(alice, "INBOX", 3);

        // A reply would be queued while alice's delivery runs; mail sent after it arrives as a bound on the wait.
        await SendOverMxAsync("dave@remote.test", Bob, "Sentinel for bob");
        await SendOverMxAsync("dave@remote.test", Carol, "Sentinel for carol");
        var bobInbox = await WaitForFolderAsync(bob, "INBOX", 2);
        var bobSubjects = (await bobInbox.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Select(m => m.Envelope!.Subject).ToList();
        Assert.Single(bobSubjects, s => s == "Away");
        Assert.Contains("Sentinel for bob", bobSubjects);

        using var carol = await ConnectAsync(Carol);
        var carolInbox = await WaitForFolderAsync(carol, "INBOX", 1);
        Assert.Equal("Sentinel for carol", (await carolInbox.GetMessageAsync(0)).Subject);
    }

    [Fact]
    public async Task A_script_that_fails_at_run_time_still_delivers_to_inbox()
    {
        await ActivateAsync(Alice, """
            require ["include", "fileinto"];
            include :personal "missing";
            fileinto "Elsewhere";
            """);

        await SendOverMxAsync("carol@remote.test", Alice, "Despite the script");

        using var imap = await ConnectAsync(Alice);
        var inbox = await WaitForFolderAsync(imap, "INBOX", 1);
        Assert.Equal("Despite the script", (await inbox.GetMessageAsync(0)).Subject);
    }

    /// <summary>Stores the script with the real store and activates it, before any mail reaches the account.</summary>
    private async Task ActivateAsync(string address, string script)
    {
        var account = await Host.Services.GetRequiredService<IMailDirectory>().AuthenticateAsync(address, Password, CancellationToken.None)
            ?? throw new InvalidOperationException($"{address} was not seeded");
        var store = Host.Services.GetRequiredService<ISieveScriptStore>();
        await store.PutAsync(account.Id, "test", script, CancellationToken.None);
        await store.SetActiveAsync(account.Id, "test", CancellationToken.None);
    }

    private Task SendOverMxAsync(string from, string to, string subject) => Host.SendOverMxAsync(Message(from, to, subject));

    private Task SubmitAsync(string from, string to, string subject, string? precedence = null)
    {
        var message = Message(from, to, subject);
        if (precedence is not null)
        {
            message.Headers.Add(HeaderId.Precedence, precedence);
        }

        return Host.SubmitAsync(from, Password, message);
    }

    private Task<ImapClient> ConnectAsync(string account) => Host.ConnectImapAsync(account, Password);
}
