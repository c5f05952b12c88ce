using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Imap;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

using static MailCloud.Gateway.Tests.EndToEnd.EndToEndMail;

namespace MailCloud.Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 15, "the archive read by a member": a post to a list with its archive on arrives over SMTP, and a member
/// reads it over IMAP (MailKit) in the shared namespace, read-only; a non-member neither sees nor opens it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListArchiveEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Password = "correct horse battery staple";
    private const string Alice = "alice@example.test";
    private const string Bob = "bob@example.test";
    private const string Carol = "carol@example.test";
    private const string List = "dev@example.test";
    private const string ArchiveName = "#lists/dev@example.test";
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _host = await GatewayTestHost.StartWithPipelineAsync(azurite);
        await Host.SeedDirectoryAsync((Alice, Password), (Bob, Password), (Carol, Password));
        var directory = Host.Services.GetRequiredService<IMailDirectory>();
        await directory.AddListAsync(List, [Alice, Bob], PostingPolicy.Anyone, [], CancellationToken.None);
        await directory.UpdateListAsync(List, l => l with { Settings = l.Settings with { Archive = true } }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_archive_read_by_a_member()
    {
        await Host.SendOverMxAsync(Message("poster@remote.test", List, "Release plan", "Ship it on Friday."));

        using var alice = await ConnectAsync(Alice);
        var inbox = await WaitForCountAsync(alice, alice.Inbox, 1);
        await inbox.CloseAsync();

        // RFC 2342: the shared namespace, and the archive listed in it.
        Assert.Equal("#lists", Assert.Single(alice.SharedNamespaces).Path);
        var shared = await alice.GetFoldersAsync(alice.SharedNamespaces[0]);
        var archive = Assert.Single(shared, f => f.FullName == ArchiveName);

        await WaitForCountAsync(alice, archive, 1);
        Assert.Equal(FolderAccess.ReadOnly, archive.Access);
        var post = await archive.GetMessageAsync(0);
        Assert.Equal("Release plan", post.Subject);
        Assert.Equal("<dev.example.test>", post.Headers[HeaderId.ListId]);
        Assert.Contains("Ship it on Friday.", post.TextBody);
        var summary = Assert.Single(await archive.FetchAsync(0, -1, MessageSummaryItems.Flags));
        Assert.False(summary.Flags!.Value.HasFlag(MailKit.MessageFlags.Seen));

        // The server refuses changes itself (MailKit would stop them before they are sent): a raw session.
        await using (var raw = await ImapRawClient.ConnectAsync(Host.Port(ListenerNames.Imap)))
        {
            Assert.StartsWith("L OK", (await raw.CommandAsync("L", $"LOGIN {Alice} \"{Password}\""))[^1], StringComparison.Ordinal);
            Assert.Equal("s OK [READ-ONLY] SELECT completed", (await raw.CommandAsync("s", $"SELECT {ArchiveName}"))[^1]);
            Assert.StartsWith("t NO [READ-ONLY]", (await raw.CommandAsync("t", "STORE 1 +FLAGS (\\Deleted \\Seen)"))[^1], StringComparison.Ordinal);
            Assert.StartsWith("e NO [READ-ONLY]", (await raw.CommandAsync("e", "EXPUNGE"))[^1], StringComparison.Ordinal);
        }

        // Alice's own copy of the post is untouched, and the archive holds the post once, unflagged.
        var account = Host.Services.GetRequiredService<IMailDirectory>();
        var store = Host.Services.GetRequiredService<IMailboxStore>();
        var aliceAccount = (await account.GetSnapshotAsync(CancellationToken.None)).FindAccount(Alice)!;
        Assert.Equal(SystemFlags.None, Assert.Single((await store.GetSnapshotAsync(aliceAccount.Id, "INBOX", CancellationToken.None)).Messages).Flags.System);
        Assert.Equal(SystemFlags.None, Assert.Single((await store.GetSnapshotAsync(ListArchive.AccountIdFor(List), ListArchive.Folder, CancellationToken.None)).Messages).Flags.System);

        // A non-member sees no archive and cannot open it.
        using var carol = await ConnectAsync(Carol);
        Assert.DoesNotContain(await carol.GetFoldersAsync(carol.SharedNamespaces[0]), f => f.FullName == ArchiveName);
        await using var carolRaw = await ImapRawClient.ConnectAsync(Host.Port(ListenerNames.Imap));
        Assert.StartsWith("L OK", (await carolRaw.CommandAsync("L", $"LOGIN {Carol} \"{Password}\""))[^1], StringComparison.Ordinal);
        Assert.StartsWith("s NO [NONEXISTENT]", (await carolRaw.CommandAsync("s", $"SELECT {ArchiveName}"))[^1], StringComparison.Ordinal);
    }

    private Task<ImapClient> ConnectAsync(string account) => Host.ConnectImapAsync(account, Password);
}
