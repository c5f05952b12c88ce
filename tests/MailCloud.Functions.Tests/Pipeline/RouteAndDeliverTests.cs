using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using MimeKit;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>Inbound mail through Route and Deliver into real mailboxes on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RouteAndDeliverTests(AzuriteFixture azurite)
{
    private const string Sender = "sender@remote.test";

    [Fact]
    public async Task Message_for_an_account_lands_in_its_inbox_with_trace_headers()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var alice = await SetUpAsync(host, "alice@example.test");
        await host.StartAsync();

        await host.SubmitAsync(Sender, ["Alice@Example.test"], PipelineTestHost.NewMessage(Sender, "alice@example.test", "hi alice"));

        var inbox = await host.WaitForInboxAsync(alice.Id);
        var message = Assert.Single(inbox);
        Assert.Equal("hi alice", message.Subject);
        Assert.Equal($"<{Sender}>", message.Headers[HeaderId.ReturnPath]);
        Assert.Equal("alice@example.test", message.Headers["Delivered-To"]);
    }

    [Theory]
    [InlineData("this first line is no header field\r\nSubject: x\r\n\r\nbody\r\n")]
    [InlineData("Subject: a header that never ends")]
    [InlineData("\0\u0001\u0002 binary\r\n\r\n")]
    public async Task A_message_mimekit_cannot_parse_as_headers_is_still_delivered_as_it_came(string content)
    {
        // SMTP stores what the client sent after its own trace field; nothing downstream may refuse it.
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var alice = await SetUpAsync(host, "alice@example.test");
        await host.StartAsync();

        await host.SubmitRawAsync("m" + Guid.NewGuid().ToString("N"), Sender, ["alice@example.test"], System.Text.Encoding.Latin1.GetBytes(content));

        await host.WaitForInboxAsync(alice.Id);
        var stored = Assert.Single((await host.Mailboxes.GetSnapshotAsync(alice.Id, "INBOX", CancellationToken.None)).Messages);
        await using var bytes = await host.Mailboxes.OpenMessageAsync(stored);
        var text = await new StreamReader(bytes, System.Text.Encoding.Latin1).ReadToEndAsync();
        Assert.EndsWith(content, text, StringComparison.Ordinal);
        Assert.Empty(await host.Transport.PeekDeadLettersAsync(host.Queues.InboundQueue, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Alias_to_two_accounts_delivers_to_both()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var alice = await SetUpAsync(host, "alice@example.test");
        var bob = await host.Directory.AddAccountAsync("bob@example.test", "pw-bob-123456", null, null, default);
        await host.Directory.AddAliasAsync("team@example.test", ["alice@example.test", "bob@example.test"], default);
        await host.StartAsync();

        await host.SubmitAsync(Sender, ["team@example.test"], PipelineTestHost.NewMessage(Sender, "team@example.test", "to the team"));

        Assert.Equal("to the team", Assert.Single(await host.WaitForInboxAsync(alice.Id)).Subject);
        Assert.Equal("to the team", Assert.Single(await host.WaitForInboxAsync(bob.Id)).Subject);
    }

    [Fact]
    public async Task Duplicate_recipients_through_direct_address_alias_and_case_are_delivered_once()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var alice = await SetUpAsync(host, "alice@example.test");
        await host.Directory.AddAliasAsync("al@example.test", ["alice@example.test"], default);
        await host.StartAsync();

        await host.SubmitAsync(Sender, ["alice@example.test", "ALICE@example.test", "al@example.test"], PipelineTestHost.NewMessage(Sender, "alice@example.test", "once"));

        await host.WaitForInboxAsync(alice.Id);
        await host.WaitForIdleAsync();
        Assert.Single(await host.ReadInboxAsync(alice.Id));
    }

    [Fact]
    public async Task Distribution_list_reaches_members_with_list_headers()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var alice = await SetUpAsync(host, "alice@example.test");
        var bob = await host.Directory.AddAccountAsync("bob@example.test", "pw-bob-123456", null, null, default);
        await host.Directory.AddListAsync("all@example.test", ["alice@example.test", "bob@example.test"], PostingPolicy.Anyone, [], default);
        await host.StartAsync();

        await host.SubmitAsync(Sender, ["all@example.test"], PipelineTestHost.NewMessage(Sender, "all@example.test", "announcement"));

        foreach (var account in new[] { alice, bob })
        {
            var message = Assert.Single(await host.WaitForInboxAsync(account.Id));
            Assert.Equal("<all.example.test>", message.Headers[HeaderId.ListId]);
            Assert.Equal("<mailto:all@example.test>", message.Headers[HeaderId.ListPost]);
        }
    }

    [Fact]
    public async Task Refused_poster_gets_a_dsn_and_members_get_nothing()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var alice = await SetUpAsync(host, "alice@example.test");
        var outsider = await host.Directory.AddAccountAsync("outsider@example.test", "pw-out-123456", null, null, default);
        await host.Directory.AddListAsync("staff@example.test", ["alice@example.test"], PostingPolicy.Members, [], default);
        await host.Directory.UpdateListAsync("staff@example.test", l => l with { Settings = l.Settings with { NonMemberPosts = NonMemberPosts.Reject } }, default);
        await host.StartAsync();

        await host.SubmitAsync("outsider@example.test", ["staff@example.test"], PipelineTestHost.NewMessage("outsider@example.test", "staff@example.test", "let me in"));

        var dsn = Assert.Single(await host.WaitForInboxAsync(outsider.Id));
        var status = DsnAssert.SingleRecipient(dsn);
        Assert.Equal("failed", status["Action"]);
        Assert.Equal("5.7.1", status["Status"]);
        Assert.Equal("rfc822; staff@example.test", status["Final-Recipient"]);
        await host.WaitForIdleAsync();
        Assert.Empty(await host.ReadInboxAsync(alice.Id));
    }

    [Fact]
    public async Task Catch_all_takes_unknown_local_parts()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var alice = await SetUpAsync(host, "alice@example.test");
        await host.Directory.SetCatchAllAsync("example.test", "alice@example.test", default);
        await host.StartAsync();

        await host.SubmitAsync(Sender, ["nobody-here@example.test"], PipelineTestHost.NewMessage(Sender, "nobody-here@example.test", "catch me"));

        Assert.Equal("catch me", Assert.Single(await host.WaitForInboxAsync(alice.Id)).Subject);
    }

    [Fact]
    public async Task Alias_loop_is_bounced_once_and_delivers_nothing()
    {
        // The directory refuses to store a loop, so the looping aliases are laid over its snapshot:
        // routing must stay safe whatever the directory holds.
        await using var host = await PipelineTestHost.CreateAsync(azurite, services: s => s.Decorate<IMailDirectory>(inner => new ExtraAliasesDirectory(inner,
        [
            new Alias("ping@example.test", ["pong@example.test"]),
            new Alias("pong@example.test", ["ping@example.test"]),
        ])));
        var sender = await SetUpAsync(host, "sender@example.test");
        await host.StartAsync();

        await host.SubmitAsync("sender@example.test", ["ping@example.test"], PipelineTestHost.NewMessage("sender@example.test", "ping@example.test", "round and round"));

        var dsn = Assert.Single(await host.WaitForInboxAsync(sender.Id));
        Assert.Equal("5.4.6", DsnAssert.SingleRecipient(dsn)["Status"]);
        await host.WaitForIdleAsync();
        Assert.Single(await host.ReadInboxAsync(sender.Id));
    }

    [Fact]
    public async Task Message_that_already_passed_our_mailbox_is_bounced_as_a_loop()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var alice = await SetUpAsync(host, "alice@example.test");
        var sender = await host.Directory.AddAccountAsync("sender@example.test", "pw-sender-1234", null, null, default);
        await host.StartAsync();

        var looped = PipelineTestHost.NewMessage("sender@example.test", "alice@example.test", "seen before");
        looped.Headers.Add("Delivered-To", "alice@example.test");
        await host.SubmitAsync("sender@example.test", ["alice@example.test"], looped);

        Assert.Equal("5.4.6", DsnAssert.SingleRecipient(Assert.Single(await host.WaitForInboxAsync(sender.Id)))["Status"]);
        Assert.Empty(await host.ReadInboxAsync(alice.Id));
    }

    [Fact]
    public async Task Too_many_received_headers_is_bounced_as_a_loop()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var alice = await SetUpAsync(host, "alice@example.test");
        var sender = await host.Directory.AddAccountAsync("sender@example.test", "pw-sender-1234", null, null, default);
        await host.StartAsync();

        var looped = PipelineTestHost.NewMessage("sender@example.test", "alice@example.test", "many hops");
        for (var i = 0; i < 40; i++)
        {
            looped.Headers.Add(HeaderId.Received, $"from hop{i}.test by hop{i + 1}.test; Mon, 1 Jan 2024 00:00:00 +0000");
        }

        await host.SubmitAsync("sender@example.test", ["alice@example.test"], looped);

        Assert.Equal("5.4.6", DsnAssert.SingleRecipient(Assert.Single(await host.WaitForInboxAsync(sender.Id)))["Status"]);
        Assert.Empty(await host.ReadInboxAsync(alice.Id));
    }

    [Fact]
    public async Task Over_quota_mailbox_bounces_with_5_2_2()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var sender = await SetUpAsync(host, "sender@example.test");
        var small = await host.Directory.AddAccountAsync("small@example.test", "pw-small-12345", null, 100, default);
        await host.StartAsync();

        await host.SubmitAsync("sender@example.test", ["small@example.test"], PipelineTestHost.NewMessage("sender@example.test", "small@example.test", "too big", new string('x', 500)));

        var dsn = Assert.Single(await host.WaitForInboxAsync(sender.Id));
        Assert.Equal("5.2.2", DsnAssert.SingleRecipient(dsn)["Status"]);
        Assert.Empty(await host.ReadInboxAsync(small.Id));
    }

    [Fact]
    public async Task A_mailbox_at_its_message_limit_bounces_with_5_2_2_as_a_full_one_does()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var sender = await SetUpAsync(host, "sender@example.test");
        var few = await host.Directory.AddAccountAsync("few@example.test", "pw-few-12345", null, 10_000_000, default);
        await host.Directory.SetLimitsAsync(few.Address, l => l with { QuotaMessages = 1 }, default);
        await host.StartAsync();

        await host.SubmitAsync("sender@example.test", ["few@example.test"], PipelineTestHost.NewMessage("sender@example.test", "few@example.test", "fits", "small"));
        Assert.Equal("fits", Assert.Single(await host.WaitForInboxAsync(few.Id)).Subject);
        await host.SubmitAsync("sender@example.test", ["few@example.test"], PipelineTestHost.NewMessage("sender@example.test", "few@example.test", "one too many", "small"));

        var dsn = Assert.Single(await host.WaitForInboxAsync(sender.Id));
        var status = DsnAssert.SingleRecipient(dsn);
        Assert.Equal("5.2.2", status["Status"]);
        Assert.Contains("552 5.2.2 <few@example.test>: mailbox full", status["Diagnostic-Code"], StringComparison.Ordinal);
        await host.WaitForIdleAsync();
        Assert.Equal("fits", Assert.Single(await host.ReadInboxAsync(few.Id)).Subject);
        Assert.Equal(1, (await host.Mailboxes.GetQuotaUsageAsync(few.Id, default)).MessageCount);
    }

    [Fact]
    public async Task Unknown_recipient_bounces_with_5_1_1_and_a_bounce_is_never_bounced()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var sender = await SetUpAsync(host, "sender@example.test");
        await host.StartAsync();

        await host.SubmitAsync("sender@example.test", ["ghost@example.test"], PipelineTestHost.NewMessage("sender@example.test", "ghost@example.test", "anyone?"));
        await host.SubmitAsync("", ["ghost@example.test"], PipelineTestHost.NewMessage("MAILER-DAEMON@remote.test", "ghost@example.test", "a bounce to nobody"));

        var dsn = Assert.Single(await host.WaitForInboxAsync(sender.Id));
        Assert.Equal("5.1.1", DsnAssert.SingleRecipient(dsn)["Status"]);
        Assert.Equal($"MAILER-DAEMON@{PipelineTestHost.HostName}", dsn.From.Mailboxes.Single().Address);
        Assert.Equal("<>", dsn.Headers[HeaderId.ReturnPath]);
        await host.WaitForIdleAsync();
        Assert.Single(await host.ReadInboxAsync(sender.Id));
    }

    [Fact]
    public async Task Deliver_that_fails_after_the_append_is_redelivered_and_the_message_appears_once()
    {
        var faults = new FailAfterAppend();
        await using var host = await PipelineTestHost.CreateAsync(azurite, services: s => s.Decorate<IMailboxStore>(inner => new FaultyMailboxStore(inner, faults)));
        var alice = await SetUpAsync(host, "alice@example.test");
        await host.StartAsync();

        await host.SubmitAsync(Sender, ["alice@example.test"], PipelineTestHost.NewMessage(Sender, "alice@example.test", "exactly once"));

        await host.WaitForInboxAsync(alice.Id);
        await host.WaitForIdleAsync();
        Assert.Equal(2, faults.Appends);
        Assert.Single(await host.ReadInboxAsync(alice.Id));
    }

    [Fact]
    public async Task A_redelivered_append_is_finished_not_bounced_when_its_own_size_fills_the_quota()
    {
        var faults = new FailAfterAppend();
        await using var host = await PipelineTestHost.CreateAsync(azurite, services: s => s.Decorate<IMailboxStore>(inner => new FaultyMailboxStore(inner, faults)));
        var sender = await SetUpAsync(host, "sender@example.test");
        // Room for this message once, not twice: the redelivery sees the first attempt's bytes in the usage.
        var snug = await host.Directory.AddAccountAsync("snug@example.test", "pw-snug-12345", null, 2_500, default);
        await host.StartAsync();

        await host.SubmitAsync("sender@example.test", ["snug@example.test"], PipelineTestHost.NewMessage("sender@example.test", "snug@example.test", "fits once", new string('x', 1_000)));

        Assert.Single(await host.WaitForInboxAsync(snug.Id));
        await host.WaitForIdleAsync();
        Assert.Equal(2, faults.Appends);
        Assert.Single(await host.ReadInboxAsync(snug.Id));
        Assert.Empty(await host.ReadInboxAsync(sender.Id));
    }

    private static async Task<Account> SetUpAsync(PipelineTestHost host, string address)
    {
        await host.Directory.AddDomainAsync("example.test", default);
        return await host.Directory.AddAccountAsync(address, "pw-" + Guid.NewGuid().ToString("N"), null, null, default);
    }
}
