using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Naming;

namespace MailCloud.Core.Transfer;

/// <summary>What an export wrote.</summary>
public sealed record ExportSummary(int Folders, int Messages, long Bytes);

/// <summary>
/// Writes an account's folders to an archive: each folder's listing (one query), then every message
/// read straight from its blob, in UID order, with its flags and internal date.
/// </summary>
public sealed class MailboxExporter(IMailboxStore store)
{
    /// <summary>Exports every folder, or only <paramref name="folder"/> (which must exist).</summary>
    public async Task<ExportSummary> ExportAsync(string accountId, string? folder, IArchiveWriter writer, IProgress<ExportSummary>? progress, CancellationToken cancellationToken)
    {
        var folders = await store.ListFoldersAsync(accountId, cancellationToken).ConfigureAwait(false);
        var wanted = folder is null ? null : FolderName.Normalize(folder);
        var names = folders.Select(f => f.Name).Where(name => wanted is null || name == wanted).ToList();
        if (wanted is not null && names.Count == 0)
        {
            throw new FolderNotFoundException(folder!);
        }

        var summary = new ExportSummary(0, 0, 0);
        foreach (var name in names)
        {
            var snapshot = await store.GetSnapshotAsync(accountId, name, cancellationToken).ConfigureAwait(false);
            await writer.BeginFolderAsync(name, cancellationToken).ConfigureAwait(false);
            foreach (var message in snapshot.Messages)
            {
                await using var content = await store.OpenMessageAsync(message, cancellationToken: cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(message.Flags, message.InternalDate, content, cancellationToken).ConfigureAwait(false);
                summary = summary with { Messages = summary.Messages + 1, Bytes = summary.Bytes + message.Size };
                progress?.Report(summary);
            }

            summary = summary with { Folders = summary.Folders + 1 };
        }

        return summary;
    }
}
