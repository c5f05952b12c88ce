using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using MailCloud.Core.Configuration;
using MailCloud.Core.Mailboxes.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Mailboxes;

/// <summary>
/// Finds message blobs that no message row references (an upload whose transaction's outcome was
/// never known, a delete after a commit that did not happen) and deletes them. A blob a row
/// references is never deleted, whatever its age: per account, the sweep reads the header rows,
/// the blob names of all message rows, and the header rows again, and goes on only if no folder
/// or account row changed meanwhile (every change that moves a message row moves its folder row,
/// so the names read are then exactly the referenced ones). Blobs younger than
/// <see cref="MinimumAge"/> are left alone: their append may still be committing.
/// </summary>
public sealed partial class MailboxBlobSweeper(StorageClients storage, IOptions<MailboxStoreOptions> options, TimeProvider clock, ILogger<MailboxBlobSweeper> logger)
{
    /// <summary>Far above the longest append (upload, then a transaction retried a bounded number of times).</summary>
    public static TimeSpan MinimumAge { get; } = TimeSpan.FromHours(1);

    private readonly MailboxIndex _index = new(storage.MailboxIndex, clock);
    private readonly MessageBlobs _blobs = new(storage.Mailboxes, options.Value, logger);

    /// <summary>Deletes unreferenced message blobs older than <see cref="MinimumAge"/>; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        if (!await storage.Mailboxes.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        var cutoff = clock.GetUtcNow() - MinimumAge;
        var deleted = 0;
        await foreach (var item in storage.Mailboxes.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix: null, cancellationToken).ConfigureAwait(false))
        {
            if (item.IsPrefix)
            {
                deleted += await SweepAccountAsync(item.Prefix.TrimEnd('/'), cutoff, cancellationToken).ConfigureAwait(false);
            }
        }

        LogSwept(deleted, cutoff);
        return deleted;
    }

    private async Task<int> SweepAccountAsync(string accountId, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var before = await HeaderVersionAsync(accountId, cancellationToken).ConfigureAwait(false);
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var filter = MailboxKeys.RangeFilter(accountId, "M:", "M;");
        await foreach (var row in _index.Table.QueryAsync<TableEntity>(filter, select: ["BlobName"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.GetString("BlobName") is { } name)
            {
                referenced.Add(name);
            }
        }

        if (before != await HeaderVersionAsync(accountId, cancellationToken).ConfigureAwait(false))
        {
            // Something committed while the names were read: try this account at the next sweep.
            LogBusy(accountId);
            return 0;
        }

        var orphans = new List<MessageBlobReference>();
        await foreach (var blob in storage.Mailboxes.GetBlobsAsync(BlobTraits.None, BlobStates.None, accountId + "/", cancellationToken).ConfigureAwait(false))
        {
            if (blob.Properties.LastModified < cutoff && !referenced.Contains(blob.Name))
            {
                orphans.Add(new MessageBlobReference(storage.Mailboxes.Name, blob.Name));
            }
        }

        await _blobs.DeleteUnreferencedAsync(orphans).ConfigureAwait(false);
        return orphans.Count;
    }

    /// <summary>The ETags of the account's header rows, which every change moves; empty when the account has none.</summary>
    private async Task<string> HeaderVersionAsync(string accountId, CancellationToken cancellationToken)
    {
        var etags = new List<string>();
        var filter = MailboxKeys.RangeFilter(accountId, MailboxKeys.HeaderRangeStart, MailboxKeys.HeaderRangeEnd);
        await foreach (var row in _index.Table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            etags.Add(row.RowKey + "=" + row.ETag);
        }

        return string.Join(',', etags);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Housekeeping deleted {Count} message blobs no mailbox references, older than {Cutoff}")]
    private partial void LogSwept(int count, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Mailbox of account {AccountId} changed during the sweep; its blobs wait for the next one")]
    private partial void LogBusy(string accountId);
}
