using System.Globalization;
using MailCloud.Testing;
using MailKit;
using MailKit.Search;
using MimeKit;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>
/// mbsync (Debian isync), a real two-way synchroniser, between a local Maildir and the gateway:
/// it relies on UIDPLUS, UIDVALIDITY, flag changes and expunges being reported exactly.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapMbsyncTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mailcloud-mbsync-").FullName;

    [Fact]
    public async Task Mbsync_syncs_both_ways_with_flag_changes_expunges_and_new_mail_on_each_side()
    {
        await using var server = await ImapTestServer.StartAsync(azurite);
        await server.AppendAsync(TestMessages.Simple("read"), flags: Core.Mailboxes.SystemFlags.Seen);
        await server.AppendAsync(TestMessages.Simple("to flag"));
        await server.AppendAsync(TestMessages.Simple("to delete here"));
        await server.Store.CreateFolderAsync(server.AccountId, "Projects", CancellationToken.None);
        await server.AppendAsync(TestMessages.Simple("to expunge there"), folder: "Projects");
        var config = WriteConfig(server.Port);

        await SyncAsync(config);

        Assert.Equal(["read:S", "to delete here:", "to flag:"], LocalMessages("INBOX"));
        Assert.Equal(["to expunge there:"], LocalMessages("Projects"));

        // Near side: flag one, trash another (Expunge Both removes it on the server), write a new one.
        MarkLocal("INBOX", "to flag", 'F');
        MarkLocal("INBOX", "to delete here", 'T');
        File.WriteAllText(Path.Combine(_root, "mail", "INBOX", "new", "1700000000.local.host"), TestMessages.Simple("written here"));

        // Far side, as another client: mark read, expunge, and new mail.
        using (var client = await server.ConnectAsync())
        {
            var inbox = client.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadWrite);
            var toFlag = await inbox.SearchAsync(SearchQuery.SubjectContains("to flag"));
            await inbox.AddFlagsAsync(toFlag, MessageFlags.Seen, silent: true);
            var projects = await client.GetFolderAsync("Projects");
            await projects.OpenAsync(FolderAccess.ReadWrite);
            await projects.AddFlagsAsync(new UniqueIdRange(UniqueId.MinValue, UniqueId.MaxValue), MessageFlags.Deleted, silent: true);
            await projects.ExpungeAsync();
            await client.DisconnectAsync(quit: true);
        }

        await server.AppendAsync(TestMessages.Simple("arrived there"));

        await SyncAsync(config);

        Assert.Equal(["arrived there:", "read:S", "to flag:FS", "written here:"], LocalMessages("INBOX"));
        Assert.Empty(LocalMessages("Projects"));
        Assert.Equal(["arrived there:", "read:S", "to flag:FS", "written here:"], await ServerMessagesAsync(server, "INBOX"));
        Assert.Empty(await ServerMessagesAsync(server, "Projects"));

        // A third run finds nothing to do and changes nothing.
        await SyncAsync(config);
        Assert.Equal(["arrived there:", "read:S", "to flag:FS", "written here:"], LocalMessages("INBOX"));
        Assert.Equal(["arrived there:", "read:S", "to flag:FS", "written here:"], await ServerMessagesAsync(server, "INBOX"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string WriteConfig(int port)
    {
        var mail = Path.Combine(_root, "mail");
        Directory.CreateDirectory(mail);
        var config = Path.Combine(_root, "mbsyncrc");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $"""
            IMAPAccount gateway
            Host 127.0.0.1
            Port {port}
            User {ImapTestServer.User}
            Pass "{ImapTestServer.Password}"
            SSLType None
            AuthMechs LOGIN

            IMAPStore far
            Account gateway

            MaildirStore near
            Path {mail}/
            Inbox {mail}/INBOX
            SubFolders Verbatim

            Channel both
            Far :far:
            Near :near:
            Patterns INBOX Projects
            Create Both
            Expunge Both
            SyncState *
            Sync All

            """));
        return config;
    }

    private static async Task SyncAsync(string config)
    {
        var (exitCode, output) = await Peers.RunAsync("mbsync", ["-c", config, "-a"], TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, output);
    }

    /// <summary>"subject:flags" of each message file in the Maildir folder, sorted; flags as Maildir writes them.</summary>
    private string[] LocalMessages(string folder)
    {
        return [.. MessageFiles(folder)
            .Select(file => $"{Subject(File.ReadAllText(file))}:{MaildirFlags(file)}")
            .Order(StringComparer.Ordinal)];
    }

    private IEnumerable<string> MessageFiles(string folder) =>
        new[] { "cur", "new" }
            .Select(sub => Path.Combine(_root, "mail", folder, sub))
            .Where(Directory.Exists)
            .SelectMany(Directory.GetFiles);

    private void MarkLocal(string folder, string subject, char flag)
    {
        // Unseen mail may still be in new/; a mail client moves it to cur/ when it sets a flag.
        var file = MessageFiles(folder).Single(f => Subject(File.ReadAllText(f)) == subject);
        var flags = new string([.. (MaildirFlags(file) + flag).Order()]);
        var name = Path.GetFileName(file);
        var info = name.IndexOf(":2,", StringComparison.Ordinal);
        var renamed = (info < 0 ? name : name[..info]) + ":2," + flags;
        File.Move(file, Path.Combine(_root, "mail", folder, "cur", renamed));
    }

    private static string MaildirFlags(string file)
    {
        var name = Path.GetFileName(file);
        var info = name.IndexOf(":2,", StringComparison.Ordinal);
        return info < 0 ? "" : name[(info + 3)..];
    }

    private static string Subject(string message) =>
        MimeMessage.Load(TestMessages.Stream(message)).Subject ?? "";

    /// <summary>"subject:flags" of each message on the server, flags in Maildir letters, sorted.</summary>
    private static async Task<string[]> ServerMessagesAsync(ImapTestServer server, string folder)
    {
        using var client = await server.ConnectAsync();
        var mailbox = await client.GetFolderAsync(folder);
        await mailbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = mailbox.Count == 0 ? [] : await mailbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Flags);
        await client.DisconnectAsync(quit: true);
        return [.. summaries.Select(s => $"{s.Envelope!.Subject}:{MaildirLetters(s.Flags!.Value)}").Order(StringComparer.Ordinal)];
    }

    private static string MaildirLetters(MessageFlags flags) =>
        string.Concat(
            flags.HasFlag(MessageFlags.Draft) ? "D" : "",
            flags.HasFlag(MessageFlags.Flagged) ? "F" : "",
            flags.HasFlag(MessageFlags.Answered) ? "R" : "",
            flags.HasFlag(MessageFlags.Seen) ? "S" : "",
            flags.HasFlag(MessageFlags.Deleted) ? "T" : "");
}
