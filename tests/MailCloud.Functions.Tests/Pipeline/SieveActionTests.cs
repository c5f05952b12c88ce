using System.Text;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Pipeline.Housekeeping;
using MailCloud.Core.Queueing;
using MailCloud.Core.Sieve;
using MailCloud.Core.Sieve.Actions;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>
/// <see cref="SieveActionExecutor"/> carrying out results built by hand, on real Azurite. The pipeline's runners are
/// not started, so what the actions send stays on "inbound" to be read.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SieveActionTests(AzuriteFixture azurite)
{
    private const string Sender = "sender@remote.test";
    private static readonly HashSet<string> NoFlags = [];

    [Fact]
    public async Task Fileinto_with_flags_and_create_files_once_into_the_new_folder_even_when_run_twice()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var (delivery, executor) = await SetUpAsync(host, PipelineTestHost.NewMessage(Sender, "alice@example.test", "hi"));
        var result = new SieveResult([
            new FileAction("Lists/Work", new HashSet<string> { "\\Seen", "$Work" }, Create: true),
            new FileAction("Lists/Work", new HashSet<string> { "\\Flagged" }),
        ]);

        await executor.ExecuteAsync(delivery, result, CancellationToken.None);
        await executor.ExecuteAsync(delivery, result, CancellationToken.None);

        var message = Assert.Single((await host.Mailboxes.GetSnapshotAsync(delivery.Account.Id, "Lists/Work", CancellationToken.None)).Messages);
        Assert.True(message.Flags.Has(SystemFlags.Seen | SystemFlags.Flagged));
        Assert.Contains("$Work", message.Flags.Keywords);
        Assert.Empty((await host.Mailboxes.GetSnapshotAsync(delivery.Account.Id, "INBOX", CancellationToken.None)).Messages);
    }

    [Theory]
    [InlineData("Missing")]
    [InlineData("bad/../name")]
    public async Task A_missing_folder_without_create_or_an_invalid_name_files_into_inbox(string folder)
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var (delivery, executor) = await SetUpAsync(host, PipelineTestHost.NewMessage(Sender, "alice@example.test", "hi"));

        await executor.ExecuteAsync(delivery, new SieveResult([new FileAction(folder, NoFlags)]), CancellationToken.None);

        Assert.Single((await host.Mailboxes.GetSnapshotAsync(delivery.Account.Id, "INBOX", CancellationToken.None)).Messages);
        Assert.DoesNotContain((await host.Mailboxes.ListFoldersAsync(delivery.Account.Id, CancellationToken.None)), f => f.Name == folder);
    }

    [Fact]
    public async Task Redirect_to_a_remote_address_keeps_the_sender_under_srs_and_is_sent_once_after_a_retry()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var (delivery, executor) = await SetUpAsync(host, PipelineTestHost.NewMessage(Sender, "alice@example.test", "fwd me"));
        var result = new SieveResult([new RedirectAction("friend@elsewhere.test")]);

        await executor.ExecuteAsync(delivery, result, CancellationToken.None);
        await executor.ExecuteAsync(delivery, result, CancellationToken.None);

        var (envelope, message) = Assert.Single(await SentAsync(host, "redirect-"));
        Assert.StartsWith("SRS0=", envelope.MailFrom, StringComparison.Ordinal);
        Assert.EndsWith("@example.test", envelope.MailFrom, StringComparison.Ordinal);
        Assert.Equal("friend@elsewhere.test", Assert.Single(envelope.Recipients).Address);
        Assert.Equal("alice@example.test", message.Headers[SieveActionExecutor.RedirectedFromHeader]);
        Assert.Equal("fwd me", message.Subject);
        Assert.Empty((await host.Mailboxes.GetSnapshotAsync(delivery.Account.Id, "INBOX", CancellationToken.None)).Messages);
    }

    [Fact]
    public async Task A_message_that_already_passed_this_accounts_redirect_is_kept_instead()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var original = PipelineTestHost.NewMessage(Sender, "alice@example.test", "looping");
        original.Headers.Add(SieveActionExecutor.RedirectedFromHeader, "alice@example.test");
        var (delivery, executor) = await SetUpAsync(host, original);

        await executor.ExecuteAsync(delivery, new SieveResult([new RedirectAction("friend@elsewhere.test")]), CancellationToken.None);

        Assert.Empty(await SentAsync(host, "redirect-"));
        Assert.Single((await host.Mailboxes.GetSnapshotAsync(delivery.Account.Id, "INBOX", CancellationToken.None)).Messages);
    }

    [Fact]
    public async Task Past_the_daily_redirect_limit_the_message_is_kept_in_inbox()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite, new Dictionary<string, string?> { ["Sieve:RedirectsPerAccountPerDay"] = "1" });
        var (first, executor) = await SetUpAsync(host, PipelineTestHost.NewMessage(Sender, "alice@example.test", "one"));
        var second = first with { Envelope = await SubmitAsync(host, PipelineTestHost.NewMessage(Sender, "alice@example.test", "two"), first.Account) };
        var result = new SieveResult([new RedirectAction("friend@elsewhere.test")]);

        await executor.ExecuteAsync(first, result, CancellationToken.None);
        await executor.ExecuteAsync(second, result, CancellationToken.None);

        Assert.Equal("one", Assert.Single(await SentAsync(host, "redirect-")).Message.Subject);
        Assert.Single((await host.Mailboxes.GetSnapshotAsync(first.Account.Id, "INBOX", CancellationToken.None)).Messages);
    }

    [Fact]
    public async Task Reject_sends_one_mdn_with_the_reason_to_the_sender_and_files_nothing()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var (delivery, executor) = await SetUpAsync(host, PipelineTestHost.NewMessage(Sender, "alice@example.test", "unwanted"));
        var result = new SieveResult([new RejectAction("No thanks.", Extended: false)]);

        await executor.ExecuteAsync(delivery, result, CancellationToken.None);
        await executor.ExecuteAsync(delivery, result, CancellationToken.None);

        var (envelope, mdn) = Assert.Single(await SentAsync(host, "reject-"));
        Assert.Equal("", envelope.MailFrom);
        Assert.Equal(Sender, Assert.Single(envelope.Recipients).Address);
        var report = Assert.IsType<MultipartReport>(mdn.Body);
        Assert.Equal("disposition-notification", report.ReportType);
        Assert.Contains("No thanks.", ((TextPart)report[0]).Text, StringComparison.Ordinal);
        Assert.Contains("deleted", Assert.IsType<MessageDispositionNotification>(report[1]).Fields["Disposition"], StringComparison.Ordinal);
        Assert.Empty((await host.Mailboxes.GetSnapshotAsync(delivery.Account.Id, "INBOX", CancellationToken.None)).Messages);
    }

    [Fact]
    public async Task Reject_of_a_null_sender_or_auto_submitted_message_sends_nothing()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var automatic = PipelineTestHost.NewMessage(Sender, "alice@example.test", "auto");
        automatic.Headers.Add("Auto-Submitted", "auto-generated");
        var (delivery, executor) = await SetUpAsync(host, automatic);
        var bounce = delivery with { Envelope = await SubmitAsync(host, PipelineTestHost.NewMessage(Sender, "alice@example.test", "dsn"), delivery.Account, mailFrom: "") };

        await executor.ExecuteAsync(delivery, new SieveResult([new RejectAction("no", false)]), CancellationToken.None);
        await executor.ExecuteAsync(bounce, new SieveResult([new RejectAction("no", false)]), CancellationToken.None);

        Assert.Empty(await SentAsync(host, "reject-"));
    }

    [Fact]
    public async Task Vacation_answers_once_per_sender_and_handle_with_an_auto_reply_from_the_null_sender()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var (delivery, executor) = await SetUpAsync(host, PipelineTestHost.NewMessage(Sender, "alice@example.test", "are you there"));
        var again = delivery with { Envelope = await SubmitAsync(host, PipelineTestHost.NewMessage(Sender, "alice@example.test", "again"), delivery.Account) };
        var vacation = Vacation(from: "nobody@other.test");

        await executor.ExecuteAsync(delivery, new SieveResult([vacation, Keep()]), CancellationToken.None);
        await executor.ExecuteAsync(again, new SieveResult([vacation, Keep()]), CancellationToken.None);
        await executor.ExecuteAsync(again, new SieveResult([vacation with { Handle = "other" }, Keep()]), CancellationToken.None);

        var replies = await SentAsync(host, "vacation-");
        Assert.Equal(2, replies.Count);
        var (envelope, reply) = replies[0];
        Assert.Equal("", envelope.MailFrom);
        Assert.Equal(Sender, Assert.Single(envelope.Recipients).Address);
        Assert.Equal("auto-replied", reply.Headers["Auto-Submitted"]);
        Assert.Equal("Auto: are you there", reply.Subject);
        Assert.Equal("alice@example.test", Assert.Single(reply.From.Mailboxes).Address);
        Assert.NotNull(reply.InReplyTo);
        Assert.Equal(2, (await host.Mailboxes.GetSnapshotAsync(delivery.Account.Id, "INBOX", CancellationToken.None)).Messages.Count);
    }

    [Theory]
    [InlineData("List-Id", "<list.remote.test>", Sender, "alice@example.test")]
    [InlineData("Precedence", "bulk", Sender, "alice@example.test")]
    [InlineData("Auto-Submitted", "auto-replied", Sender, "alice@example.test")]
    [InlineData("X-Nothing", "x", "owner-list@remote.test", "alice@example.test")]
    [InlineData("X-Nothing", "x", "alice@example.test", "alice@example.test")]
    [InlineData("X-Nothing", "x", Sender, "someone@else.test")]
    public async Task Vacation_does_not_answer_lists_bulk_automatic_senders_the_user_or_mail_not_addressed_to_the_user(string field, string value, string mailFrom, string to)
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var message = PipelineTestHost.NewMessage(mailFrom, to, "hello");
        message.Headers.Add(field, value);
        var (delivery, executor) = await SetUpAsync(host, message, mailFrom);

        await executor.ExecuteAsync(delivery, new SieveResult([Vacation(), Keep()]), CancellationToken.None);

        Assert.Empty(await SentAsync(host, "vacation-"));
        Assert.Single((await host.Mailboxes.GetSnapshotAsync(delivery.Account.Id, "INBOX", CancellationToken.None)).Messages);
    }

    [Fact]
    public async Task Vacation_answers_mail_to_an_address_given_in_addresses()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var (delivery, executor) = await SetUpAsync(host, PipelineTestHost.NewMessage(Sender, "alice@old.test", "to my old address"));

        await executor.ExecuteAsync(delivery, new SieveResult([Vacation() with { Addresses = ["alice@old.test"] }]), CancellationToken.None);

        Assert.Single(await SentAsync(host, "vacation-"));
    }

    private static FileAction Keep() => new("INBOX", NoFlags);

    [Fact]
    public async Task Housekeeping_forgets_answered_senders_only_once_their_period_has_ended()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var memory = host.Services.GetRequiredService<VacationMemory>();
        var now = DateTimeOffset.UtcNow;
        await memory.RememberAsync("acct", "away", "ended@other.test", now.AddMinutes(-1), CancellationToken.None);
        await memory.RememberAsync("acct", "away", "current@other.test", now.AddDays(7), CancellationToken.None);

        var swept = await host.Services.GetRequiredService<SpoolSweeper>().SweepAsync(CancellationToken.None);

        Assert.Equal(1, swept.ExpiredVacationEntries);
        Assert.True(await memory.WasAnsweredAsync("acct", "away", "current@other.test", now, CancellationToken.None));
        Assert.False(await memory.WasAnsweredAsync("acct", "away", "ended@other.test", now.AddMinutes(-2), CancellationToken.None));
    }

    private static VacationAction Vacation(string? from = null) =>
        new("I am away.", ReasonIsMime: false, Handle: "h", Period: TimeSpan.FromDays(7), Subject: null, From: from, Addresses: []);

    private static async Task<(SieveDelivery Delivery, SieveActionExecutor Executor)> SetUpAsync(PipelineTestHost host, MimeMessage message, string mailFrom = Sender)
    {
        await host.Directory.AddDomainAsync("example.test", default);
        var account = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-123456", null, null, default);
        var envelope = await SubmitAsync(host, message, account, mailFrom);
        var snapshot = await host.Directory.GetSnapshotAsync(default);
        return (new SieveDelivery(envelope, account, snapshot, null), host.Services.GetRequiredService<SieveActionExecutor>());
    }

    private static async Task<MessageEnvelope> SubmitAsync(PipelineTestHost host, MimeMessage message, Account account, string mailFrom = Sender)
    {
        var envelope = await host.SubmitAsync(mailFrom, [account.Address], message);
        return envelope with { TargetAccountId = account.Id };
    }

    /// <summary>What the actions queued on "inbound" (ids starting with <paramref name="prefix"/>), oldest first, with their spooled messages.</summary>
    private static async Task<IReadOnlyList<(MessageEnvelope Envelope, MimeMessage Message)>> SentAsync(PipelineTestHost host, string prefix)
    {
        var sent = new List<(MessageEnvelope, MimeMessage)>();
        foreach (var peeked in await host.Transport.PeekAsync(host.Queues.InboundQueue, 32, CancellationToken.None))
        {
            var envelope = EnvelopeSerializer.Deserialize(peeked.Body);
            if (envelope.MessageId.StartsWith(prefix, StringComparison.Ordinal))
            {
                await using var content = await host.Spool.OpenReadAsync(envelope.SpoolBlob, CancellationToken.None);
                sent.Add((envelope, await MimeMessage.LoadAsync(content)));
            }
        }

        return sent;
    }
}
