using MailCloud.Core.Pipeline.Housekeeping;
using Microsoft.Azure.Functions.Worker;

namespace MailCloud.Functions;

/// <summary>Hourly (at minute 17, off the busy top of the hour): sweeps spool blobs and markers past the retry horizon (see <see cref="SpoolSweeper"/> for why age is the rule).</summary>
public sealed class HousekeepingFunction(SpoolSweeper sweeper)
{
    [Function("Housekeeping")]
    public Task Run([TimerTrigger("0 17 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);
}
