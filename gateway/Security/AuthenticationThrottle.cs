using System.Collections.Concurrent;
using System.Net;
using MailCloud.Gateway.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Security;

/// <summary>
/// Per-replica brute-force protection: failures are counted per client address and per account;
/// after <see cref="AuthenticationThrottleOptions.FreeFailures"/> each answer is delayed
/// (doubling), and at <see cref="AuthenticationThrottleOptions.LockoutAfter"/> the address or account
/// is locked out for a while. Success clears the account's count but not the address's, so one
/// known password cannot be used to reset guessing at others.
/// </summary>
public sealed partial class AuthenticationThrottle(
    IOptions<AuthenticationThrottleOptions> options,
    TimeProvider time,
    ILogger<AuthenticationThrottle> logger) : IAuthenticationThrottle
{
    /// <summary>Above this many tracked keys, stale ones are swept on the next failure.</summary>
    private const int SweepThreshold = 10_000;

    private readonly AuthenticationThrottleOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, FailureRecord> _records = new(StringComparer.Ordinal);

    public bool IsLockedOut(IPAddress client, string? user)
    {
        var now = time.GetUtcNow();
        return IsLocked(ClientKey(client), now) || user is not null && IsLocked(AccountKey(user), now);
    }

    public TimeSpan RecordFailure(IPAddress client, string? user)
    {
        var now = time.GetUtcNow();
        if (_records.Count > SweepThreshold)
        {
            Sweep(now);
        }

        var failures = Fail(ClientKey(client), now);
        if (user is not null)
        {
            failures = Math.Max(failures, Fail(AccountKey(user), now));
        }

        if (failures == _options.LockoutAfter)
        {
            LogLockedOut(client, user, failures, _options.LockoutDuration);
        }

        return DelayFor(failures);
    }

    public void RecordSuccess(IPAddress client, string user) => _records.TryRemove(AccountKey(user), out _);

    private TimeSpan DelayFor(int failures)
    {
        var counted = failures - _options.FreeFailures;
        if (counted <= 0)
        {
            return TimeSpan.Zero;
        }

        var factor = Math.Pow(2, Math.Min(counted - 1, 30));
        var delay = _options.BaseDelay * factor;
        return delay > _options.MaxDelay ? _options.MaxDelay : delay;
    }

    private bool IsLocked(string key, DateTimeOffset now) =>
        _records.TryGetValue(key, out var record) && record.LockedUntil(now, _options) is not null;

    private int Fail(string key, DateTimeOffset now)
    {
        var record = _records.GetOrAdd(key, _ => new FailureRecord());
        return record.Add(now, _options);
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, record) in _records)
        {
            if (record.IsStale(now, _options))
            {
                _records.TryRemove(key, out _);
            }
        }
    }

    private static string ClientKey(IPAddress client) =>
        "ip:" + (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client);

    private static string AccountKey(string user) => "user:" + user.Trim().ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication locked out for {Client} / {User} after {Failures} failures, for {Duration}")]
    private partial void LogLockedOut(IPAddress client, string? user, int failures, TimeSpan duration);

    private sealed class FailureRecord
    {
        private readonly Lock _lock = new();
        private int _failures;
        private DateTimeOffset _lastFailure;
        private DateTimeOffset? _lockedSince;

        public int Add(DateTimeOffset now, AuthenticationThrottleOptions options)
        {
            lock (_lock)
            {
                if (_lockedSince is { } since && now - since >= options.LockoutDuration || now - _lastFailure > options.FailureWindow)
                {
                    _failures = 0;
                    _lockedSince = null;
                }

                _failures++;
                _lastFailure = now;
                if (_failures >= options.LockoutAfter && _lockedSince is null)
                {
                    _lockedSince = now;
                }

                return _failures;
            }
        }

        public DateTimeOffset? LockedUntil(DateTimeOffset now, AuthenticationThrottleOptions options)
        {
            lock (_lock)
            {
                return _lockedSince is { } since && now - since < options.LockoutDuration ? since + options.LockoutDuration : null;
            }
        }

        public bool IsStale(DateTimeOffset now, AuthenticationThrottleOptions options)
        {
            lock (_lock)
            {
                return LockedUntil(now, options) is null && now - _lastFailure > options.FailureWindow;
            }
        }
    }
}
