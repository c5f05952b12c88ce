using MailCloud.Core.Queueing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Local;

/// <summary>
/// Runs one stage locally: receives from its queue through <see cref="IQueueTransport"/> and hands
/// each message to <see cref="StageInvoker"/>, at most <see cref="PipelineOptions.RunnerConcurrency"/>
/// at a time. Each message is received for <see cref="PipelineOptions.RunnerVisibilityTimeout"/> and
/// its lease renewed while its handler works, so a slow relay is not picked up by a second worker.
/// A handler exception leaves the message for a later try; after the queue's max delivery count it
/// is dead-lettered with the exception as the reason.
/// </summary>
public sealed partial class LocalStageRunner : BackgroundService
{
    private readonly PipelineStage _stage;
    private readonly StageInvoker _invoker;
    private readonly IQueueTransport _transport;
    private readonly PipelineOptions _options;
    private readonly int _maxDeliveryCount;
    private readonly TimeProvider _time;
    private readonly ILogger<LocalStageRunner> _logger;
    private readonly SemaphoreSlim _slots;

    public LocalStageRunner(
        PipelineStage stage,
        StageInvoker invoker,
        IQueueTransport transport,
        IOptions<PipelineOptions> options,
        IOptions<Configuration.QueueingOptions> queueing,
        TimeProvider time,
        ILogger<LocalStageRunner> logger)
    {
        _stage = stage;
        _invoker = invoker;
        _transport = transport;
        _options = options.Value;
        _maxDeliveryCount = queueing.Value.MaxDeliveryCount;
        _time = time;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.RunnerConcurrency, _options.RunnerConcurrency);
    }

    public PipelineStage Stage => _stage;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = _invoker.QueueOf(_stage);
        LogStarted(_stage, queue, _options.RunnerConcurrency);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                IReadOnlyList<ReceivedMessage> batch;
                try
                {
                    // Storage Queues hand out at most 32 messages per call.
                    batch = await _transport.ReceiveAsync(queue, Math.Min(_slots.CurrentCount + 1, 32), _options.RunnerVisibilityTimeout, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _slots.Release();
                    LogReceiveFailed(ex, _stage);
                    await Task.Delay(_options.RunnerPollInterval, _time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (batch.Count == 0)
                {
                    _slots.Release();
                    await Task.Delay(_options.RunnerPollInterval, _time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    if (i > 0)
                    {
                        await _slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                    }

                    var message = batch[i];
                    _ = Task.Run(() => ProcessAsync(message, stoppingToken), CancellationToken.None);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Let handlers in flight finish (or observe cancellation) before the host stops.
        for (var i = 0; i < _options.RunnerConcurrency; i++)
        {
            await _slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task ProcessAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        try
        {
            var settlement = new TransportSettlement(_transport, message, _options.RunnerVisibilityTimeout);
            await _invoker.InvokeAsync(_stage, message.Body, message.DeliveryCount, settlement, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the message becomes visible again after its visibility timeout.
        }
        catch (Exception ex)
        {
            await HandleFailureAsync(message, ex).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task HandleFailureAsync(ReceivedMessage message, Exception exception)
    {
        try
        {
            if (message.DeliveryCount >= _maxDeliveryCount)
            {
                LogGivingUp(exception, _stage, message.MessageId, message.DeliveryCount);
                await _transport.DeadLetterAsync(message, $"failed {message.DeliveryCount} times; last error: {exception.GetType().Name}: {exception.Message}", CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                LogWillRetry(exception, _stage, message.MessageId, message.DeliveryCount);
                await _transport.RetryLaterAsync(message, _options.ExceptionRetryDelay, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The message stays invisible until its visibility timeout, then comes back: nothing is lost.
            LogSettleFailed(ex, _stage, message.MessageId);
        }
    }

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }

    private sealed class TransportSettlement(IQueueTransport transport, ReceivedMessage message, TimeSpan visibilityTimeout) : ILeasedSettlement
    {
        public DateTimeOffset LeaseExpiresAt => message.LeaseExpiresAt;

        public Task<DateTimeOffset> RenewLeaseAsync(CancellationToken cancellationToken) => transport.RenewLeaseAsync(message, visibilityTimeout, cancellationToken);

        public Task CompleteAsync(CancellationToken cancellationToken) => transport.CompleteAsync(message, cancellationToken);

        public Task DeadLetterAsync(string reason, CancellationToken cancellationToken) => transport.DeadLetterAsync(message, reason, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Local runner for {Stage} started on queue {Queue} with concurrency {Concurrency}")]
    private partial void LogStarted(PipelineStage stage, string queue, int concurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Stage}: receive failed; polling again")]
    private partial void LogReceiveFailed(Exception exception, PipelineStage stage);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Stage}: message {MessageId} failed on delivery {DeliveryCount}; it will be retried")]
    private partial void LogWillRetry(Exception exception, PipelineStage stage, string messageId, int deliveryCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Stage}: message {MessageId} failed {DeliveryCount} times; dead-lettered")]
    private partial void LogGivingUp(Exception exception, PipelineStage stage, string messageId, int deliveryCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Stage}: could not settle message {MessageId}; it returns after its visibility timeout")]
    private partial void LogSettleFailed(Exception exception, PipelineStage stage, string messageId);
}
