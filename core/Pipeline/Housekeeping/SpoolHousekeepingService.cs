using MailCloud.Core.Lists.Bounces;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Housekeeping;

/// <summary>The local counterpart of the Functions app's housekeeping timers (spool, then list bounces).</summary>
public sealed partial class SpoolHousekeepingService(SpoolSweeper sweeper, ListBounceSweeper listBounces, IOptions<PipelineOptions> options, TimeProvider time, ILogger<SpoolHousekeepingService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HousekeepingInterval, time);
        do
        {
            try
            {
                await sweeper.SweepAsync(stoppingToken).ConfigureAwait(false);
                await listBounces.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next tick tries again; nothing is lost by a sweep that did not finish.
                LogSweepFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Housekeeping sweep failed")]
    private partial void LogSweepFailed(Exception exception);
}
