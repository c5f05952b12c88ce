using MailCloud.Core.Mailboxes;
using MailCloud.Core.Pipeline.Relay;
using MailCloud.Core.Pipeline.State;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Housekeeping;

/// <summary>
/// Deletes spool blobs and pipeline markers once no stage can need them. A spool blob is read
/// by every deliver and relay message of its mail, and relay retries end
/// <see cref="RelayOptions.MaxRetryPeriod"/> after acceptance (however late Route ran); tracking
/// each stage message's completion would cost writes on every delivery, so the rule is age-based:
/// older than the retry period plus <see cref="PipelineOptions.SpoolRetentionMargin"/> (which
/// covers queue backlog) is safe to delete. A blob is committed at acceptance or later (list copies
/// and DSNs), so its creation time never makes it look older than its mail. A stage that still
/// finds its blob gone bounces without the content rather than losing the message. The same sweep
/// asks <see cref="MailboxBlobSweeper"/> for message blobs that no mailbox row references.
/// </summary>
public sealed partial class SpoolSweeper(
    ISpool spool,
    PipelineMarkers markers,
    MailboxBlobSweeper mailboxBlobs,
    IOptions<RelayOptions> relayOptions,
    IOptions<PipelineOptions> pipelineOptions,
    TimeProvider time,
    ILogger<SpoolSweeper> logger)
{
    public TimeSpan Retention => relayOptions.Value.MaxRetryPeriod + pipelineOptions.Value.SpoolRetentionMargin;

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - Retention;
        var blobs = 0;
        await foreach (var entry in spool.ListAsync(cutoff, cancellationToken).ConfigureAwait(false))
        {
            await spool.DeleteAsync(entry.SpoolBlob, cancellationToken).ConfigureAwait(false);
            blobs++;
        }

        var markerCount = await markers.SweepAsync(cutoff, cancellationToken).ConfigureAwait(false);
        LogSwept(blobs, markerCount, cutoff);
        var orphans = await mailboxBlobs.SweepAsync(cancellationToken).ConfigureAwait(false);
        return new SweepResult(blobs, markerCount, orphans);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Housekeeping deleted {Blobs} spool blobs and {Markers} markers older than {Cutoff}")]
    private partial void LogSwept(int blobs, int markers, DateTimeOffset cutoff);
}

public sealed record SweepResult(int SpoolBlobs, int Markers, int UnreferencedMessageBlobs);
