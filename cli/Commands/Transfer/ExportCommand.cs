using System.CommandLine;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Transfer;
using MailCloud.Core.Transfer.Maildir;
using MailCloud.Core.Transfer.Mbox;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Cli.Commands;

/// <summary><c>mailcloud export &lt;account&gt; [--folder F] --format mbox|maildir &lt;path&gt;</c>.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var address = new Argument<string>("account") { Description = "The account's address." };
        var path = new Argument<DirectoryInfo>("path") { Description = "The directory to write: one .mbox file per folder, or a Maildir++ tree." };
        var format = new Option<ArchiveFormat>("--format") { Description = "mbox (mboxrd) or maildir (Maildir++, as Dovecot writes it).", Required = true };
        var folder = new Option<string>("--folder") { Description = "Export only this folder (default: all)." };
        var command = new Command("export", "Write an account's mail, with flags, keywords and internal dates, to mbox files or a Maildir.") { address, path, format, folder };
        command.SetStorageAction(async (services, result, output, ct) =>
        {
            var account = await AccountLookup.FindAsync(services, result.GetRequiredValue(address), ct);
            var target = result.GetRequiredValue(path).FullName;
            await using IArchiveWriter writer = result.GetValue(format) == ArchiveFormat.Maildir ? new MaildirArchiveWriter(target) : new MboxArchiveWriter(target);
            var summary = await new MailboxExporter(services.GetRequiredService<IMailboxStore>()).ExportAsync(account.Id, result.GetValue(folder), writer, progress: null, ct);
            await output.WriteLineAsync($"Exported {summary.Messages} messages ({summary.Bytes} bytes) in {summary.Folders} folders of {account.Address} to {target}.");
        });
        return command;
    }
}
