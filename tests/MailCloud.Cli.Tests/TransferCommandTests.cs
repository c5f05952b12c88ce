using System.Text;
using MailCloud.Core;
using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using ImapFlags = MailKit.MessageFlags;

namespace MailCloud.Cli.Tests;

/// <summary>
/// <c>mailcloud import</c> and <c>mailcloud export</c>, end to end: the real executable against real
/// Azurite, importing from a real Dovecot over IMAP and round-tripping through mbox and Maildir.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TransferCommandTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("mailcloud-transfer-cli-").FullName;

    [Fact]
    public async Task Imports_every_folder_from_Dovecot_over_imap_and_not_twice()
    {
        await using var dovecot = await DovecotServer.StartAsync([("carol", "carol-pw")]);
        var remote = await FillDovecotAsync(dovecot.Port);
        var (cli, services) = await CreateAsync();
        var account = await services.GetRequiredService<IMailDirectory>().AddAccountAsync("carol@example.test", "pw", null, null, Ct);

        var first = await cli.RunWithInputAsync("carol-pw", "import", "carol@example.test", $"imap://carol@127.0.0.1:{dovecot.Port}");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains($"Imported {remote.Sum(f => f.Value.Count)} messages", first.Output, StringComparison.Ordinal);
        Assert.Equal(remote, await DescribeAsync(services.GetRequiredService<IMailboxStore>(), account.Id, remote.Keys));

        var again = await cli.RunWithInputAsync("carol-pw", "import", "carol@example.test", $"imap://carol@127.0.0.1:{dovecot.Port}");
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains($"Imported 0 messages", again.Output, StringComparison.Ordinal);
        Assert.Contains($"{remote.Sum(f => f.Value.Count)} were there already", again.Output, StringComparison.Ordinal);
        Assert.Equal(remote, await DescribeAsync(services.GetRequiredService<IMailboxStore>(), account.Id, remote.Keys));

        var refused = await cli.RunWithInputAsync("wrong-pw", "import", "carol@example.test", $"imap://carol@127.0.0.1:{dovecot.Port}");
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"error: IMAP source carol@127.0.0.1:{dovecot.Port}:", refused.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mbox")]
    [InlineData("maildir")]
    public async Task Export_then_import_into_another_account_keeps_everything(string format)
    {
        var (cli, services) = await CreateAsync();
        var directory = services.GetRequiredService<IMailDirectory>();
        var store = services.GetRequiredService<IMailboxStore>();
        var alice = await directory.AddAccountAsync("alice@example.test", "pw", null, null, Ct);
        var bob = await directory.AddAccountAsync("bob@example.test", "pw", null, null, Ct);
        await store.CreateFolderAsync(alice.Id, "Lists/dev", Ct);
        var date = new DateTimeOffset(2025, 2, 3, 4, 5, 6, TimeSpan.Zero);
        await store.AppendAsync(alice.Id, "INBOX", Message("one", "From the top\r\n"), Flags(SystemFlags.Seen, "$Label1"), date, null, Ct);
        await store.AppendAsync(alice.Id, "INBOX", Message("two", "body\r\n"), Flags(SystemFlags.Flagged | SystemFlags.Answered), date.AddDays(-2), null, Ct);
        await store.AppendAsync(alice.Id, "Lists/dev", Message("three", "Ünïcödé\r\n"), Flags(SystemFlags.None), date.AddYears(-1), null, Ct);
        var archive = Path.Combine(_directory, format);

        var exported = await cli.RunAsync("export", "alice@example.test", "--format", format, archive);
        Assert.True(exported.ExitCode == 0, exported.Error);
        Assert.Contains("Exported 3 messages", exported.Output, StringComparison.Ordinal);
        var imported = await cli.RunAsync("import", "bob@example.test", archive);
        Assert.True(imported.ExitCode == 0, imported.Error);
        Assert.Contains("Imported 3 messages", imported.Output, StringComparison.Ordinal);

        var folders = new[] { "INBOX", "Lists/dev" };
        Assert.Equal(await DescribeAsync(store, alice.Id, folders), await DescribeAsync(store, bob.Id, folders));
    }

    [Fact]
    public async Task Bad_sources_and_unknown_accounts_are_refused_and_store_nothing()
    {
        var (cli, services) = await CreateAsync();
        var account = await services.GetRequiredService<IMailDirectory>().AddAccountAsync("dave@example.test", "pw", null, null, Ct);
        var notMbox = Path.Combine(_directory, "notes.txt");
        await File.WriteAllTextAsync(notMbox, "Subject: not an mbox\r\n\r\nx\r\n");

        var wrongFile = await cli.RunAsync("import", "dave@example.test", notMbox);
        Assert.Equal(1, wrongFile.ExitCode);
        Assert.Equal("error: Not an mbox file: it does not start with a \"From \" line.", wrongFile.Error.Trim());

        var nothing = await cli.RunAsync("import", "dave@example.test", Path.Combine(_directory, "missing"));
        Assert.Equal(1, nothing.ExitCode);
        Assert.StartsWith("error: '", nothing.Error, StringComparison.Ordinal);

        var closedPort = FreePorts.Next();
        var unreachable = await cli.RunWithInputAsync("pw", "import", "dave@example.test", $"imap://dave@127.0.0.1:{closedPort}");
        Assert.Equal(1, unreachable.ExitCode);
        Assert.StartsWith($"error: IMAP source dave@127.0.0.1:{closedPort}:", unreachable.Error, StringComparison.Ordinal);

        var unknownImporter = await cli.RunAsync("import", "nobody@example.test", notMbox);
        Assert.Equal(1, unknownImporter.ExitCode);
        Assert.Equal("error: No account nobody@example.test.", unknownImporter.Error.Trim());

        var nobody = await cli.RunAsync("export", "nobody@example.test", "--format", "mbox", _directory);
        Assert.Equal(1, nobody.ExitCode);
        Assert.Equal("error: No account nobody@example.test.", nobody.Error.Trim());

        var noFolder = await cli.RunAsync("export", "dave@example.test", "--format", "maildir", "--folder", "Nowhere", _directory);
        Assert.Equal(1, noFolder.ExitCode);
        Assert.Equal("error: Folder 'Nowhere' does not exist.", noFolder.Error.Trim());

        Assert.Equal(0, (await services.GetRequiredService<IMailboxStore>().GetQuotaUsageAsync(account.Id, Ct)).MessageCount);
    }

    public void Dispose() => System.IO.Directory.Delete(_directory, recursive: true);

    private async Task<(MailCloudProcess Cli, ServiceProvider Services)> CreateAsync()
    {
        var options = azurite.CreateStorageOptions();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = options.ConnectionString,
            ["Storage:DirectoryContainer"] = options.DirectoryContainer,
            ["Storage:SpoolContainer"] = options.SpoolContainer,
            ["Storage:MailboxContainer"] = options.MailboxContainer,
            ["Storage:MailboxTable"] = options.MailboxTable,
            ["Directory:PasswordHashIterations"] = "1000",
            ["Directory:CacheRevalidationInterval"] = "00:00:00",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddMailCloudCore(configuration).BuildServiceProvider();
        await services.GetRequiredService<StorageClients>().EnsureContainersAsync(Ct);
        await services.GetRequiredService<IMailDirectory>().AddDomainAsync("example.test", Ct);
        return (new MailCloudProcess(options), services);
    }

    /// <summary>Messages appended to Dovecot with flags, keywords and dates, in INBOX and nested folders; returns what Dovecot then holds.</summary>
    private static async Task<Dictionary<string, List<string>>> FillDovecotAsync(int port)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync("carol", "carol-pw", Ct);
        var personal = client.GetFolder(client.PersonalNamespaces[0]);
        var work = (await personal.CreateAsync("Work", isMessageFolder: true, Ct))!;
        var reports = (await work.CreateAsync("Reports 2024", isMessageFolder: true, Ct))!;
        var date = new DateTimeOffset(2024, 9, 8, 7, 6, 5, TimeSpan.FromHours(2));
        for (var i = 0; i < 55; i++)
        {
            var request = new AppendRequest(MimeMessage.Load(Message($"inbox {i}", $"line {i}\r\nFrom here\r\n")), i % 2 == 0 ? ImapFlags.Seen : ImapFlags.Flagged | ImapFlags.Answered)
            {
                InternalDate = date.AddHours(i),
                Keywords = i % 5 == 0 ? new HashSet<string>(["$Label1", "Later"]) : null,
            };
            await client.Inbox.AppendAsync(request, Ct);
        }

        await work.AppendAsync(new AppendRequest(MimeMessage.Load(Message("work", "Ünïcödé\r\n")), ImapFlags.Draft) { InternalDate = date.AddYears(-3) }, Ct);
        await reports.AppendAsync(new AppendRequest(MimeMessage.Load(Message("report", "numbers\r\n")), ImapFlags.Deleted | ImapFlags.Seen) { InternalDate = date.AddDays(-1) }, Ct);

        var described = new Dictionary<string, List<string>>();
        foreach (var (folder, name) in new[] { (client.Inbox, "INBOX"), (work, "Work"), (reports, "Work/Reports 2024") })
        {
            await folder.OpenAsync(FolderAccess.ReadOnly, Ct);
            var lines = new List<string>();
            foreach (var summary in await folder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate, Ct))
            {
                using var stream = await folder.GetStreamAsync(summary.UniqueId, Ct);
                lines.Add(Describe(summary.InternalDate!.Value, SystemFlagsOf(summary.Flags!.Value), summary.Keywords, stream));
            }

            described[name] = lines;
        }

        return described;
    }

    private static async Task<Dictionary<string, List<string>>> DescribeAsync(IMailboxStore store, string accountId, IEnumerable<string> folders)
    {
        var described = new Dictionary<string, List<string>>();
        foreach (var folder in folders)
        {
            var lines = new List<string>();
            foreach (var message in (await store.GetSnapshotAsync(accountId, folder, Ct)).Messages)
            {
                await using var stream = await store.OpenMessageAsync(message, cancellationToken: Ct);
                lines.Add(Describe(message.InternalDate, message.Flags.System, message.Flags.Keywords, stream));
            }

            described[folder] = lines;
        }

        return described;
    }

    private static string Describe(DateTimeOffset internalDate, SystemFlags flags, IEnumerable<string> keywords, Stream content)
    {
        using var bytes = new MemoryStream();
        content.CopyTo(bytes);
        return $"{internalDate.ToUnixTimeSeconds()} {flags} {string.Join(',', keywords.Select(k => k.ToLowerInvariant()).Order(StringComparer.Ordinal))} {Convert.ToBase64String(bytes.ToArray())}";
    }

    private static SystemFlags SystemFlagsOf(ImapFlags flags) =>
        (flags.HasFlag(ImapFlags.Seen) ? SystemFlags.Seen : 0) | (flags.HasFlag(ImapFlags.Answered) ? SystemFlags.Answered : 0)
        | (flags.HasFlag(ImapFlags.Flagged) ? SystemFlags.Flagged : 0) | (flags.HasFlag(ImapFlags.Deleted) ? SystemFlags.Deleted : 0)
        | (flags.HasFlag(ImapFlags.Draft) ? SystemFlags.Draft : 0);

    private static MemoryStream Message(string subject, string body) =>
        new(Encoding.UTF8.GetBytes($"From: a@example.test\r\nTo: carol@example.test\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.test>\r\n\r\n{body}"));

    private static Core.Mailboxes.MessageFlags Flags(SystemFlags system, params string[] keywords) => new(system, new HashSet<string>(keywords, StringComparer.OrdinalIgnoreCase));
}
