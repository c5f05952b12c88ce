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
/// <see cref="MinimumAge"/> are left alone: their append may still be committing. Read the same
/// way, <see cref="ReadSpoolReferencesAsync"/> tells the spool sweep which spool blobs delivered
/// mail still references.
/// </summary>
public sealed partial class MailboxBlobSweeper(StorageClients storage, IOptions<MailboxStoreOptions> options, TimeProvider clock, ILogger<MailboxBlobSweeper> logger)
{
    /// <summary>Far above the longest append (upload, then a transaction retried a bounded number of times).</summary>
    public static TimeSpan MinimumAge { get; } = TimeSpan.FromHours(1);

    private readonly MailboxIndex _index = new(storage.MailboxIndex, clock);
    private readonly MessageBlobs _blobs = new(storage.Mailboxes, options.Value, logger);

    /// <summary>Reads of an account whose rows keep changing before its references count as unknown.</summary>
    private const int MaxConsistentReadTries = 3;

    /// <summary>
    /// The spool blobs (names in <see cref="StorageClients.Spool"/>) that any mailbox row
    /// references, or null when an account kept changing while its rows were read, so the set is
    /// not known to be whole: the caller then deletes nothing. Each account is read as
    /// <see cref="SweepAccountAsync"/> reads it (header rows, message rows, header rows again), so
    /// a reference moved by a MOVE or COPY meanwhile is not missed.
    /// </summary>
    public async Task<IReadOnlySet<string>?> ReadSpoolReferencesAsync(CancellationToken cancellationToken)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var accounts = _index.Table.QueryAsync<TableEntity>($"RowKey eq '{MailboxKeys.Account}'", select: ["PartitionKey"], cancellationToken: cancellationToken);
        await foreach (var account in accounts.ConfigureAwait(false))
        {
            if (!await ReadReferencesAsync(account.PartitionKey, storage.Spool.Name, referenced, cancellationToken).ConfigureAwait(false))
            {
                LogBusy(account.PartitionKey);
                return null;
            }
        }

        return referenced;
    }

    /// <summary>Adds the account's references into <paramref name="container"/> to the set; false when it changed on every try.</summary>
    private async Task<bool> ReadReferencesAsync(string accountId, string container, HashSet<string> referenced, CancellationToken cancellationToken)
    {
        var filter = $"{MailboxKeys.RangeFilter(accountId, "M:", "M;")} and BlobContainer eq '{container}'";
        for (var attempt = 0; attempt < MaxConsistentReadTries; attempt++)
        {
            var before = await HeaderVersionAsync(accountId, cancellationToken).ConfigureAwait(false);
            var names = new List<string>();
            await foreach (var row in _index.Table.QueryAsync<TableEntity>(filter, select: ["BlobName"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (row.GetString("BlobName") is { } name)
                {
                    names.Add(name);
                }
            }

            if (before == await HeaderVersionAsync(accountId, cancellationToken).ConfigureAwait(false))
            {
                referenced.UnionWith(names);
                return true;
            }
        }

        return false;
    }

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
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        if (!await ReadReferencesAsync(accountId, storage.Mailboxes.Name, referenced, cancellationToken).ConfigureAwait(false))
        {
            // Something kept committing while the names were read: try this account at the next sweep.
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Mailbox of account {AccountId} changed during the sweep; its blobs wait for the next one")]
    private partial void LogBusy(string accountId);
}
