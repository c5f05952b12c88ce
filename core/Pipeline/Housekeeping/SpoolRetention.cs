using MailCloud.Core.Mailboxes;
using MailCloud.Core.Pipeline.Relay;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Housekeeping;

/// <summary>
/// How long the pipeline may need a spool blob, counted from acceptance: the relay's retry period
/// plus <see cref="PipelineOptions.SpoolRetentionMargin"/>. Past it, the sweep deletes a blob unless a
/// mailbox row references it. A delivery references a spool blob only while the blob is further than
/// <see cref="MailboxBlobSweeper.MinimumAge"/> (far above the longest append) from that point, so a
/// reference the sweep could miss never points at a blob it is deleting; later it copies the bytes.
/// </summary>
public sealed class SpoolRetention(IOptions<RelayOptions> relayOptions, IOptions<PipelineOptions> pipelineOptions, TimeProvider time)
{
    public TimeSpan Period => relayOptions.Value.MaxRetryPeriod + pipelineOptions.Value.SpoolRetentionMargin;

    /// <summary>Spool blobs accepted before this may be deleted.</summary>
    public DateTimeOffset Cutoff => time.GetUtcNow() - Period;

    /// <summary>Whether a delivery may reference the spool blob of mail accepted at <paramref name="acceptedAt"/>.</summary>
    public bool MayReference(DateTimeOffset acceptedAt) => acceptedAt - MailboxBlobSweeper.MinimumAge > Cutoff;
}
