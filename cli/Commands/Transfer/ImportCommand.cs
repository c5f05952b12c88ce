using System.CommandLine;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Transfer;
using MailCloud.Core.Transfer.Imap;
using MailCloud.Core.Transfer.Maildir;
using MailCloud.Core.Transfer.Mbox;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace MailCloud.Cli.Commands;

/// <summary><c>mailcloud import &lt;account&gt; &lt;source&gt;</c>: an mbox file or tree, a Maildir, or an IMAP server.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var address = new Argument<string>("account") { Description = "The account's address." };
        var source = new Argument<string>("source")
        {
            Description = "An mbox file, a directory of .mbox files, a Maildir, or imaps://user@host[:port] (imap:// for STARTTLS); an IMAP password is read from the first line of standard input.",
        };
        var folder = new Option<string[]>("--folder") { Description = "Import only these folders (repeatable); for a single mbox file, the folder its messages go to (default INBOX)." };
        var insecure = new Option<bool>("--accept-any-certificate") { Description = "Do not check the IMAP server's certificate (a test server with a self-signed one)." };
        var command = new Command(
            "import",
            "Store mail from another mail store in an account: folders, flags, keywords and internal dates kept. Run it again after an interruption: messages already imported are not stored twice.")
        {
            address, source, folder, insecure,
        };
        command.SetStorageAction(async (services, result, output, ct) =>
        {
            var account = await AccountLookup.FindAsync(services, result.GetRequiredValue(address), ct);
            var named = result.GetValue(folder) is { Length: > 0 } given ? given : null;
            var (reader, description, filter) = await OpenAsync(result.GetRequiredValue(source), named, result.GetValue(insecure), ct);
            var importer = new MailboxImporter(services.GetRequiredService<IMailboxStore>());
            var summary = await AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask($"Importing {description}").IsIndeterminate();
                    var progress = new Progress<ImportSummary>(s => task.Description = $"Importing {description}: {s.Imported} new, {s.AlreadyPresent} already there");
                    var done = await importer.ImportAsync(account.Id, reader, filter, new MailboxQuota(account.QuotaBytes), progress, ct);
                    task.StopTask();
                    return done;
                });
            await output.WriteLineAsync(
                $"Imported {summary.Imported} messages ({summary.Bytes} bytes) into {account.Address} from {description}; {summary.AlreadyPresent} were there already; {summary.FoldersCreated} folders created.");
        });
        return command;
    }

    /// <summary>The reader for a source, how to name it, and which of its folders to read (null: all).</summary>
    private static async Task<(IArchiveReader Reader, string Description, IReadOnlySet<string>? Folders)> OpenAsync(string source, string[]? folders, bool acceptAnyCertificate, CancellationToken cancellationToken)
    {
        var filter = folders?.ToHashSet(StringComparer.Ordinal);
        if (ImapSource.Parse(source) is { } imap)
        {
            var password = await Console.In.ReadLineAsync(cancellationToken) ?? "";
            return (new ImapArchiveReader(imap, password, acceptAnyCertificate), $"{imap.UserName} at {imap.Host}:{imap.Port}", filter);
        }

        if (File.Exists(source))
        {
            if (folders is { Length: > 1 })
            {
                throw new ArchiveException("One mbox file goes to one folder: give --folder once.");
            }

            return (new MboxArchiveReader(source, folders?[0] ?? "INBOX"), source, null);
        }

        if (Directory.Exists(Path.Combine(source, "cur")))
        {
            return (new MaildirArchiveReader(source), source, filter);
        }

        if (Directory.Exists(source))
        {
            return (new MboxArchiveReader(source, "INBOX"), source, filter);
        }

        throw new ArchiveException($"'{source}' is neither a file, a directory nor an imap:// or imaps:// URL with a user name.");
    }
}
