using System.Security.Cryptography;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Naming;

namespace MailCloud.Core.Transfer;

/// <summary>What an import did so far: messages stored, messages found already stored by an earlier run, folders created.</summary>
public sealed record ImportSummary(int Imported, int AlreadyPresent, long Bytes, int FoldersCreated);

/// <summary>
/// Stores the messages of an archive in an account, folder by folder, creating missing folders.
/// Messages go in batches of up to <see cref="IMailboxStore.MaxMessagesPerAppend"/> (one transaction
/// each, in the source's order), each keyed by its content: SHA-256 of its bytes and how many identical
/// messages came before it in that folder. So an import that is interrupted and run again, or run
/// twice, stores nothing twice, and two identical messages of one folder are both kept.
/// </summary>
public sealed class MailboxImporter(IMailboxStore store)
{
    /// <summary>Bytes held in memory for one batch before it is sent.</summary>
    public const long MaxBatchBytes = 16 * 1024 * 1024;

    public async Task<ImportSummary> ImportAsync(
        string accountId,
        IArchiveReader reader,
        IReadOnlySet<string>? folders,
        MailboxQuota quota,
        IProgress<ImportSummary>? progress,
        CancellationToken cancellationToken)
    {
        var existing = (await store.ListFoldersAsync(accountId, cancellationToken).ConfigureAwait(false)).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
        var batch = new List<AppendMessage>();
        var batchBytes = 0L;
        string? batchFolder = null;
        var summary = new ImportSummary(0, 0, 0, 0);

        async Task FlushAsync()
        {
            if (batch.Count == 0)
            {
                return;
            }

            try
            {
                var result = await store.AppendManyAsync(accountId, batchFolder!, batch, quota, cancellationToken).ConfigureAwait(false);
                summary = summary with
                {
                    Imported = summary.Imported + batch.Count - result.AlreadyStored,
                    AlreadyPresent = summary.AlreadyPresent + result.AlreadyStored,
                    Bytes = summary.Bytes + batchBytes,
                };
                progress?.Report(summary);
            }
            finally
            {
                foreach (var message in batch)
                {
                    await message.Content.DisposeAsync().ConfigureAwait(false);
                }

                batch.Clear();
                batchBytes = 0;
            }
        }

        await foreach (var message in reader.ReadAsync(folders, cancellationToken).ConfigureAwait(false))
        {
            var folder = FolderName.Normalize(message.Folder);
            if (folder != batchFolder)
            {
                await FlushAsync().ConfigureAwait(false);
                batchFolder = folder;
                if (existing.Add(folder))
                {
                    await CreateFolderAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
                    summary = summary with { FoldersCreated = summary.FoldersCreated + 1 };
                }
            }

            var key = await ContentKeyAsync(folder, message.Content, occurrences, cancellationToken).ConfigureAwait(false);
            batch.Add(new AppendMessage(message.Content, message.Flags, message.InternalDate) { IdempotencyKey = key });
            batchBytes += message.Content.Length;
            if (batch.Count == IMailboxStore.MaxMessagesPerAppend || batchBytes >= MaxBatchBytes)
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }

        await FlushAsync().ConfigureAwait(false);
        return summary;
    }

    private async Task CreateFolderAsync(string accountId, string folder, CancellationToken cancellationToken)
    {
        try
        {
            await store.CreateFolderAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        }
        catch (FolderAlreadyExistsException)
        {
            // Another session made it meanwhile.
        }
    }

    /// <summary>"import-" + SHA-256 of the bytes + "-" + the count of identical messages before it in the folder; the stream is left at its start.</summary>
    private static async Task<string> ContentKeyAsync(string folder, Stream content, Dictionary<string, int> occurrences, CancellationToken cancellationToken)
    {
        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));
        content.Position = 0;
        var seen = $"{folder}\n{hash}";
        occurrences[seen] = occurrences.TryGetValue(seen, out var count) ? count + 1 : 0;
        return $"import-{hash}-{occurrences[seen]}";
    }
}
