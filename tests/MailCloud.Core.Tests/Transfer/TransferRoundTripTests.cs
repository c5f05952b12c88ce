using System.Text;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Tests.Mailboxes;
using MailCloud.Core.Transfer;
using MailCloud.Core.Transfer.Maildir;
using MailCloud.Core.Transfer.Mbox;
using MailCloud.Testing;

namespace MailCloud.Core.Tests.Transfer;

/// <summary>
/// An account exported to mbox or Maildir and imported into another account on real Azurite: every
/// folder, message byte, flag, keyword and internal date arrives, and importing again stores nothing twice.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TransferRoundTripTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("mailcloud-transfer-").FullName;

    public static TheoryData<ArchiveFormat> Formats => [ArchiveFormat.Mbox, ArchiveFormat.Maildir];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Export_then_import_keeps_every_folder_byte_flag_and_date(ArchiveFormat format)
    {
        var (store, source, exported) = await FillAndExportAsync(format);
        var target = await MailboxTestHarness.CreateAsync(azurite);
        var targetStore = target.NewStore();

        var imported = await new MailboxImporter(targetStore).ImportAsync(target.AccountId, Reader(format), null, MailboxQuota.Unlimited, null, None);

        Assert.Equal(exported.Messages, imported.Imported);
        Assert.Equal(0, imported.AlreadyPresent);
        Assert.Equal(2, imported.FoldersCreated);
        Assert.Equal(await DescribeAsync(store, source.AccountId), await DescribeAsync(targetStore, target.AccountId));
        await MailboxConsistency.AssertAsync(target);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task An_import_run_again_or_resumed_stores_nothing_twice(ArchiveFormat format)
    {
        var (store, source, exported) = await FillAndExportAsync(format);
        var target = await MailboxTestHarness.CreateAsync(azurite);
        var targetStore = target.NewStore();

        // Interrupted after the first batch (cancelled once the first folder's messages are in).
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(_ => cancel.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new MailboxImporter(targetStore).ImportAsync(target.AccountId, Reader(format), null, MailboxQuota.Unlimited, progress, cancel.Token));
        var partial = await CountAsync(targetStore, target.AccountId);
        Assert.InRange(partial, 1, exported.Messages - 1);

        var resumed = await new MailboxImporter(targetStore).ImportAsync(target.AccountId, Reader(format), null, MailboxQuota.Unlimited, null, None);
        Assert.Equal(partial, resumed.AlreadyPresent);
        Assert.Equal(exported.Messages - partial, resumed.Imported);

        var again = await new MailboxImporter(targetStore).ImportAsync(target.AccountId, Reader(format), null, MailboxQuota.Unlimited, null, None);
        Assert.Equal(0, again.Imported);
        Assert.Equal(exported.Messages, again.AlreadyPresent);
        Assert.Equal(await DescribeAsync(store, source.AccountId), await DescribeAsync(targetStore, target.AccountId));
        await MailboxConsistency.AssertAsync(target);
    }

    [Fact]
    public async Task An_import_over_quota_stops_with_the_quota_error_and_keeps_what_fit()
    {
        await FillAndExportAsync(ArchiveFormat.Maildir);
        var target = await MailboxTestHarness.CreateAsync(azurite);

        await Assert.ThrowsAsync<MailboxQuotaExceededException>(() =>
            new MailboxImporter(target.NewStore()).ImportAsync(target.AccountId, Reader(ArchiveFormat.Maildir), null, new MailboxQuota(1), null, None));

        Assert.Equal(0, await CountAsync(target.NewStore(), target.AccountId));
        await MailboxConsistency.AssertAsync(target);
    }

    [Fact]
    public async Task One_folder_can_be_exported_alone_and_a_missing_one_is_refused()
    {
        var source = await MailboxTestHarness.CreateAsync(azurite);
        var store = source.NewStore();
        await FillAsync(store, source.AccountId);

        await using (var writer = new MboxArchiveWriter(_directory))
        {
            var summary = await new MailboxExporter(store).ExportAsync(source.AccountId, "Archive/2024", writer, null, None);
            Assert.Equal(1, summary.Folders);
            await Assert.ThrowsAsync<FolderNotFoundException>(() => new MailboxExporter(store).ExportAsync(source.AccountId, "Nowhere", writer, null, None));
        }

        Assert.Equal(["Archive/2024.mbox"], System.IO.Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_directory, f)));
    }

    public void Dispose() => System.IO.Directory.Delete(_directory, recursive: true);

    /// <summary>INBOX with 60 messages (two batches), one of them twice; a folder with keywords; a nested folder with a tricky name; an empty folder.</summary>
    private static async Task FillAsync(IMailboxStore store, string accountId)
    {
        await store.CreateFolderAsync(accountId, "Archive/2024", None);
        await store.CreateFolderAsync(accountId, "Projects.v1/Café", None);
        var date = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);
        for (var i = 0; i < 60; i++)
        {
            var flags = MailboxTestHarness.Flags(i % 3 == 0 ? SystemFlags.Seen : SystemFlags.Seen | SystemFlags.Answered | SystemFlags.Flagged);
            await store.AppendAsync(accountId, "INBOX", Message($"inbox {i}", $"line\r\nFrom the start\r\n>From quoted {i}\r\n"), flags, date.AddMinutes(i), null, None);
        }

        await store.AppendAsync(accountId, "INBOX", Message("inbox 0", "line\r\nFrom the start\r\n>From quoted 0\r\n"), MailboxTestHarness.Flags(SystemFlags.Seen), date, null, None);
        await store.AppendAsync(accountId, "Archive/2024", Message("tagged", "body\r\n\r\n"), MailboxTestHarness.Flags(SystemFlags.Draft | SystemFlags.Deleted, "$Forwarded", "$Label1", "Work"), date.AddDays(-300), null, None);
        await store.AppendAsync(accountId, "Projects.v1/Café", Message("café", "Ünïcödé body\r\n"), MessageFlags.Empty, date.AddYears(-10), null, None);
    }

    private static MemoryStream Message(string subject, string body) =>
        new(Encoding.UTF8.GetBytes($"From: a@example.test\r\nSubject: {subject}\r\nMessage-ID: <{subject.Replace(' ', '.')}@example.test>\r\n\r\n{body}"));

    /// <summary>A filled account, exported to the test's directory.</summary>
    private async Task<(IMailboxStore Store, MailboxTestHarness Source, ExportSummary Exported)> FillAndExportAsync(ArchiveFormat format)
    {
        var source = await MailboxTestHarness.CreateAsync(azurite);
        var store = source.NewStore();
        await FillAsync(store, source.AccountId);
        return (store, source, await ExportAsync(store, source.AccountId, format));
    }

    private async Task<ExportSummary> ExportAsync(IMailboxStore store, string accountId, ArchiveFormat format)
    {
        await using IArchiveWriter writer = format == ArchiveFormat.Mbox ? new MboxArchiveWriter(_directory) : new MaildirArchiveWriter(_directory);
        return await new MailboxExporter(store).ExportAsync(accountId, null, writer, null, None);
    }

    private IArchiveReader Reader(ArchiveFormat format) => format == ArchiveFormat.Mbox ? new MboxArchiveReader(_directory, "INBOX") : new MaildirArchiveReader(_directory);

    private static async Task<int> CountAsync(IMailboxStore store, string accountId) => (int)(await store.GetQuotaUsageAsync(accountId, None)).MessageCount;

    /// <summary>Every folder and, in order, every message's bytes, flags and internal date.</summary>
    private static async Task<string> DescribeAsync(IMailboxStore store, string accountId)
    {
        var text = new StringBuilder();
        foreach (var folder in (await store.ListFoldersAsync(accountId, None)).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            text.Append("folder ").AppendLine(folder.Name);
            foreach (var message in (await store.GetSnapshotAsync(accountId, folder.Name, None)).Messages)
            {
                await using var content = await store.OpenMessageAsync(message, cancellationToken: None);
                using var bytes = new MemoryStream();
                await content.CopyToAsync(bytes);
                text.Append(message.InternalDate.ToUnixTimeSeconds()).Append(' ').Append(message.Flags.System)
                    .Append(' ').AppendJoin(',', message.Flags.Keywords.Select(k => k.ToLowerInvariant()).Order(StringComparer.Ordinal))
                    .Append(' ').AppendLine(Convert.ToBase64String(bytes.ToArray()));
            }
        }

        return text.ToString();
    }

    /// <summary>Reports on the importer's own thread (<see cref="Progress{T}"/> posts to the thread pool, too late to stop it).</summary>
    private sealed class SynchronousProgress(Action<ImportSummary> report) : IProgress<ImportSummary>
    {
        public void Report(ImportSummary value) => report(value);
    }
}
