using MailCloud.Core.Lists.Bounces;
using Microsoft.Azure.Functions.Worker;

namespace MailCloud.Functions;

/// <summary>Hourly (at minute 47, away from the spool sweep): removes members that bounces disabled long ago and forgets old bounces (see <see cref="ListBounceSweeper"/>).</summary>
public sealed class ListHousekeepingFunction(ListBounceSweeper sweeper)
{
    [Function("ListHousekeeping")]
    public Task Run([TimerTrigger("0 47 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);
}
