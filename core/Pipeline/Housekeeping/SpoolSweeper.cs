using MailCloud.Core.Lists.State;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Pipeline.Relay;
using MailCloud.Core.Pipeline.State;
using MailCloud.Core.Sieve.Actions;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Pipeline.Housekeeping;

/// <summary>
/// Deletes spool blobs and pipeline markers once nothing can need them. A spool blob is read
/// by every deliver and relay message of its mail, and relay retries end
/// <see cref="RelayOptions.MaxRetryPeriod"/> after acceptance (however late Route ran); tracking
/// each stage message's completion would cost writes on every delivery, so for the pipeline the
/// rule is age-based (<see cref="SpoolRetention"/>). A blob is committed at acceptance or later
/// (list copies and DSNs), so its creation time never makes it look older than its mail. A stage
/// that still finds its blob gone bounces without the content rather than losing the message.
/// Delivered mail references its spool blob from mailbox rows, so a blob past the retention is
/// deleted only when no row references it, and not at all in a sweep that could not read every
/// account's references consistently. The same sweep asks <see cref="MailboxBlobSweeper"/> for
/// message blobs that no mailbox row references, <see cref="VacationMemory"/> for the vacation
/// replies whose period has ended, and <see cref="ListStateSweeper"/> for list requests and held posts past their lifetime.
/// </summary>
public sealed partial class SpoolSweeper(
    ISpool spool,
    PipelineMarkers markers,
    MailboxBlobSweeper mailboxBlobs,
    SpoolRetention retention,
    VacationMemory vacations,
    ListStateSweeper lists,
    TimeProvider time,
    ILogger<SpoolSweeper> logger)
{
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = retention.Cutoff;
        var candidates = new List<string>();
        await foreach (var entry in spool.ListAsync(cutoff, cancellationToken).ConfigureAwait(false))
        {
            candidates.Add(entry.SpoolBlob);
        }

        var blobs = 0;
        if (candidates.Count > 0 && await mailboxBlobs.ReadSpoolReferencesAsync(cancellationToken).ConfigureAwait(false) is { } referenced)
        {
            foreach (var blob in candidates.Where(c => !referenced.Contains(c)))
            {
                await spool.DeleteAsync(blob, cancellationToken).ConfigureAwait(false);
                blobs++;
            }
        }

        var markerCount = await markers.SweepAsync(cutoff, cancellationToken).ConfigureAwait(false);
        LogSwept(blobs, markerCount, cutoff);
        var orphans = await mailboxBlobs.SweepAsync(cancellationToken).ConfigureAwait(false);
        var vacationEntries = await vacations.SweepAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        await lists.SweepAsync(cancellationToken).ConfigureAwait(false);
        return new SweepResult(blobs, markerCount, orphans, vacationEntries);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Housekeeping deleted {Blobs} spool blobs no mailbox references and {Markers} markers, older than {Cutoff}")]
    private partial void LogSwept(int blobs, int markers, DateTimeOffset cutoff);
}

public sealed record SweepResult(int SpoolBlobs, int Markers, int UnreferencedMessageBlobs, int ExpiredVacationEntries);
