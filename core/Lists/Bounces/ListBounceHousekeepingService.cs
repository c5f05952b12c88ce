using MailCloud.Core.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Lists.Bounces;

/// <summary>The local counterpart of the Functions app's list housekeeping timer, on the pipeline's housekeeping interval.</summary>
public sealed partial class ListBounceHousekeepingService(ListBounceSweeper sweeper, IOptions<PipelineOptions> options, TimeProvider time, ILogger<ListBounceHousekeepingService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HousekeepingInterval, time);
        do
        {
            try
            {
                await sweeper.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next tick tries again: removal re-checks the list, notices keep their ids.
                LogSweepFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "List bounce housekeeping failed")]
    private partial void LogSweepFailed(Exception exception);
}
