using MailCloud.Core.Mailboxes;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using MessageFlags = MailKit.MessageFlags;
using StoredFlags = MailCloud.Core.Mailboxes.MessageFlags;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>End to end with MailKit's ImapClient over a real socket, against real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapMailKitTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Logs_in_and_announces_the_capabilities()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        using var client = await server.ConnectAsync();
        Assert.True(client.IsAuthenticated);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Idle));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.UidPlus));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Move));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.CondStore));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.ESearch));
        Assert.True(client.AppendLimit > 0);
        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task A_wrong_password_is_refused()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(ImapTestServer.User, "wrong"));
        Assert.False(client.IsAuthenticated);
    }

    [Fact]
    public async Task Starttls_upgrades_the_connection_before_login()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync(ImapTestServer.User, ImapTestServer.Password);
        Assert.True(client.IsAuthenticated);
    }

    [Fact]
    public async Task Lists_special_use_folders_and_manages_folders_with_non_ascii_names()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        using var client = await server.ConnectAsync();
        var sent = client.GetFolder(SpecialFolder.Sent)!;
        Assert.NotNull(sent);
        Assert.Equal("Sent", sent.FullName);

        var personal = client.GetFolder(client.PersonalNamespaces[0]);
        var created = await personal.CreateAsync("Reisen 2026 — Zürich", isMessageFolder: true);
        await created!.RenameAsync(personal, "Zürich");
        var names = (await personal.GetSubfoldersAsync()).Select(f => f.FullName).ToList();
        Assert.Contains("Zürich", names);
        Assert.DoesNotContain("Reisen 2026 — Zürich", names);

        var renamed = await personal.GetSubfolderAsync("Zürich");
        await renamed.DeleteAsync();
        Assert.DoesNotContain("Zürich", (await personal.GetSubfoldersAsync()).Select(f => f.FullName));
        Assert.DoesNotContain("Zürich", (await server.Store.ListFoldersAsync(server.AccountId, CancellationToken.None)).Select(f => f.Name));
    }

    [Fact]
    public async Task Fetches_envelope_bodystructure_and_parts_of_a_multipart_message()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var uid = await server.AppendAsync(TestMessages.Multipart);
        using var client = await server.ConnectAsync();
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var summary = (await inbox.FetchAsync([new UniqueId(uid)], MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.Size | MessageSummaryItems.Flags)).Single();

        Assert.Equal("Prüfung déjà vu", summary.Envelope!.Subject);
        Assert.Equal("Renée Müller", summary.Envelope!.From.Mailboxes.Single().Name);
        Assert.Equal(3, summary.Envelope!.To.Mailboxes.Count());
        Assert.Equal("m1@example.org", summary.Envelope!.MessageId);
        Assert.Equal((uint)TestMessages.Multipart.Length, summary.Size);
        var attachment = summary.Attachments.Single();
        Assert.Equal("report.pdf", attachment.FileName);
        Assert.Equal(28u, attachment.Octets);
        var text = summary.TextBody!;
        Assert.Equal(48u, text.Octets);
        Assert.False(summary.Flags!.Value.HasFlag(MessageFlags.Seen));

        var plain = (TextPart)await inbox.GetBodyPartAsync(new UniqueId(uid), text);
        Assert.StartsWith("Grüße aus München.", plain.Text, StringComparison.Ordinal);
        var pdf = (MimePart)await inbox.GetBodyPartAsync(new UniqueId(uid), attachment);
        using var decoded = new MemoryStream();
        await pdf.Content!.DecodeToAsync(decoded);
        Assert.Equal(19, decoded.Length);

    }

    [Fact]
    public async Task Searches_by_flags_headers_and_body()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var lunch = await server.AppendAsync(TestMessages.Simple("Lunch on Friday", "Meet at noon."));
        var report = await server.AppendAsync(TestMessages.Simple("Quarterly report", "Numbers attached."), flags: SystemFlags.Seen);
        var party = await server.AppendAsync(TestMessages.Simple("Party", "Bring snacks at noon."), flags: SystemFlags.Flagged);
        using var client = await server.ConnectAsync();
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);

        Assert.Equal([lunch, party], (await inbox.SearchAsync(SearchQuery.NotSeen)).Select(u => u.Id));
        Assert.Equal([report], (await inbox.SearchAsync(SearchQuery.SubjectContains("quarterly"))).Select(u => u.Id));
        Assert.Equal([lunch, party], (await inbox.SearchAsync(SearchQuery.BodyContains("noon"))).Select(u => u.Id));
        Assert.Equal([party], (await inbox.SearchAsync(SearchQuery.BodyContains("noon").And(SearchQuery.Flagged))).Select(u => u.Id));
        Assert.Empty(await inbox.SearchAsync(SearchQuery.HeaderContains("X-Nothing", "x")));
    }

    [Fact]
    public async Task Stores_flags_copies_moves_and_expunges_with_uidplus()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var first = await server.AppendAsync(TestMessages.Simple("one"));
        var second = await server.AppendAsync(TestMessages.Simple("two"));
        var third = await server.AppendAsync(TestMessages.Simple("three"));
        using var client = await server.ConnectAsync();
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);

        await inbox.AddFlagsAsync(new UniqueId(first), MessageFlags.Flagged, silent: false);
        var flagged = await inbox.FetchAsync([new UniqueId(first)], MessageSummaryItems.Flags);
        Assert.True(flagged.Single().Flags!.Value.HasFlag(MessageFlags.Flagged));

        var archive = client.GetFolder(SpecialFolder.Archive)!;
        var copied = await inbox.CopyToAsync(new UniqueId(first), archive);
        Assert.NotNull(copied);
        var moved = await inbox.MoveToAsync([new UniqueId(second)], archive);
        Assert.Single(moved.Destination);
        Assert.NotEqual(copied!.Value.Id, moved[new UniqueId(second)].Id);
        Assert.Equal(2, inbox.Count);

        await inbox.AddFlagsAsync(new UniqueId(third), MessageFlags.Deleted, silent: true);
        await inbox.ExpungeAsync();
        Assert.Equal(1, inbox.Count);

        var archived = await server.Store.GetSnapshotAsync(server.AccountId, "Archive", CancellationToken.None);
        Assert.Equal(2, archived.Messages.Count);
        var left = await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None);
        Assert.Equal([first], left.Messages.Select(m => m.Uid));
    }

    [Fact]
    public async Task Appends_with_flags_and_date_and_reports_the_uid()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        using var client = await server.ConnectAsync();
        var message = MimeMessage.Load(TestMessages.Stream(TestMessages.Simple("appended")));
        var date = new DateTimeOffset(2025, 12, 24, 18, 30, 0, TimeSpan.FromHours(1));
        var uid = await client.Inbox.AppendAsync(new AppendRequest(message, MessageFlags.Seen | MessageFlags.Draft) { InternalDate = date });
        Assert.NotNull(uid);

        var stored = (await server.Store.GetSnapshotAsync(server.AccountId, "INBOX", CancellationToken.None)).Messages.Single();
        Assert.Equal(uid!.Value.Id, stored.Uid);
        Assert.True(stored.Flags.Has(SystemFlags.Seen | SystemFlags.Draft));
        Assert.Equal(date, stored.InternalDate);
    }

    [Fact]
    public async Task Idle_reports_a_delivery_made_by_another_store_instance()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        using var client = await server.ConnectAsync();
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var arrived = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => arrived.TrySetResult(inbox.Count);

        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);
        var pipeline = server.CreateOtherStore();
        await pipeline.AppendAsync(server.AccountId, "INBOX", TestMessages.Stream(TestMessages.Simple("delivered")), StoredFlags.Empty, DateTimeOffset.UtcNow, "delivery-1", CancellationToken.None);

        Assert.Equal(1, await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await done.CancelAsync();
        await idle;
    }

    [Fact]
    public async Task Two_sessions_see_each_others_flag_changes_and_expunges()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        var first = await server.AppendAsync(TestMessages.Simple("one"));
        await server.AppendAsync(TestMessages.Simple("two"));
        using var writer = await server.ConnectAsync();
        using var reader = await server.ConnectAsync();
        await writer.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await reader.Inbox.OpenAsync(FolderAccess.ReadWrite);

        var flagsSeen = new TaskCompletionSource<MessageFlags>(TaskCreationOptions.RunContinuationsAsynchronously);
        reader.Inbox.MessageFlagsChanged += (_, e) => flagsSeen.TrySetResult(e.Flags);
        var expunged = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        reader.Inbox.MessageExpunged += (_, e) => expunged.TrySetResult(e.Index);

        await writer.Inbox.AddFlagsAsync(new UniqueId(first), MessageFlags.Flagged, silent: true);
        await reader.NoOpAsync();
        Assert.True((await flagsSeen.Task.WaitAsync(TimeSpan.FromSeconds(10))).HasFlag(MessageFlags.Flagged));

        await writer.Inbox.AddFlagsAsync(new UniqueId(first), MessageFlags.Deleted, silent: true);
        await writer.Inbox.ExpungeAsync();
        await reader.NoOpAsync();
        Assert.Equal(0, await expunged.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, reader.Inbox.Count);
    }
}
