using MailCloud.Core.Queueing;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Pipeline;

/// <summary>
/// Keeps a message's lease while its handler works: renews when half the time left has passed,
/// so a renewal that is slow or fails once still has time before the message would reappear.
/// Disposing stops the renewals and waits for one in flight to finish, so settlement never races a
/// renewal and always uses the latest receipt.
/// </summary>
internal sealed partial class StageLease : IAsyncDisposable
{
    // Below this, renewing sooner only adds requests.
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(100);

    private readonly ILeasedSettlement _settlement;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PipelineStage _stage;
    private readonly string _messageId;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewals;

    private StageLease(ILeasedSettlement settlement, TimeProvider time, ILogger logger, PipelineStage stage, string messageId)
    {
        _settlement = settlement;
        _time = time;
        _logger = logger;
        _stage = stage;
        _messageId = messageId;
        _renewals = Task.Run(() => RenewAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Starts renewing when the settlement holds a lease; otherwise there is nothing to keep.</summary>
    public static StageLease? Start(IStageSettlement settlement, TimeProvider time, ILogger logger, PipelineStage stage, string messageId) =>
        settlement is ILeasedSettlement leased ? new StageLease(leased, time, logger, stage, messageId) : null;

    private async Task RenewAsync(CancellationToken stop)
    {
        var expiresAt = _settlement.LeaseExpiresAt;
        try
        {
            while (true)
            {
                var half = (expiresAt - _time.GetUtcNow()) / 2;
                await Task.Delay(half > MinimumWait ? half : MinimumWait, _time, stop).ConfigureAwait(false);
                try
                {
                    // Not cancelled by stop: a renewal the service carried out but whose answer we dropped
                    // would leave a stale pop receipt, and the settlement that follows would fail.
                    expiresAt = await _settlement.RenewLeaseAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (QueueLeaseLostException ex)
                {
                    // Another consumer may run the stage too; the stage's markers keep its effects single.
                    LogLeaseLost(_stage, _messageId, ex.Message);
                    return;
                }
                catch (Exception ex)
                {
                    LogRenewFailed(ex, _stage, _messageId);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewals.ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Stage}: lease on message {MessageId} lost while its handler works: {Reason}")]
    private partial void LogLeaseLost(PipelineStage stage, string messageId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Stage}: renewing the lease on message {MessageId} failed; trying again")]
    private partial void LogRenewFailed(Exception exception, PipelineStage stage, string messageId);
}
