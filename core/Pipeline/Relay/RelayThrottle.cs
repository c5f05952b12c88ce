using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Relay;

/// <summary>
/// This process's share of what the receiving side allows: at most
/// <see cref="RelayOptions.MaxConcurrentTransactions"/> SMTP transactions at once (a caller waits
/// for a free one), and when <see cref="RelayOptions.RateLimit"/> is set, one message per
/// <see cref="RelayRateLimitOptions.Interval"/> (a caller without a permit is told when to come back).
/// </summary>
public sealed class RelayThrottle : IDisposable
{
    private readonly ConcurrencyLimiter _transactions;
    private readonly TokenBucketRateLimiter? _rate;
    private readonly TimeSpan _interval;

    public RelayThrottle(IOptions<RelayOptions> options)
    {
        var relay = options.Value;
        _transactions = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = relay.MaxConcurrentTransactions,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        if (relay.RateLimit.Enabled)
        {
            _interval = relay.RateLimit.Interval;
            // One token, one more per interval: no bursts, so no minute ever sees more than the limit.
            _rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = 1,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = _interval,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        }
    }

    /// <summary>A transaction slot (dispose it when the transaction is over), or when to try again.</summary>
    public async ValueTask<RelayAdmission> AdmitAsync(CancellationToken cancellationToken)
    {
        if (_rate is not null)
        {
            using var permit = _rate.AttemptAcquire();
            if (!permit.IsAcquired)
            {
                return new RelayAdmission(null, permit.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : _interval);
            }
        }

        var slot = await _transactions.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!slot.IsAcquired)
        {
            slot.Dispose();
            throw new InvalidOperationException("The relay transaction limiter refused a wait it has room for.");
        }

        return new RelayAdmission(slot, null);
    }

    public void Dispose()
    {
        _transactions.Dispose();
        _rate?.Dispose();
    }
}

/// <summary>Either a held transaction slot, or <see cref="RetryAfter"/>: no permit until then.</summary>
public sealed class RelayAdmission(RateLimitLease? slot, TimeSpan? retryAfter) : IDisposable
{
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public bool Admitted => slot is not null;

    public void Dispose() => slot?.Dispose();
}
