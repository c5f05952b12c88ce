using System.Collections.Concurrent;
using System.Net;
using MailCloud.Gateway.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Security;

/// <summary>
/// Per-replica brute-force protection: failures are counted per client address and per client
/// address and account together; after <see cref="AuthenticationThrottleOptions.FreeFailures"/> each
/// answer is delayed (doubling), and at <see cref="AuthenticationThrottleOptions.LockoutAfter"/> that
/// address and account pair is locked out for a while, at
/// <see cref="AuthenticationThrottleOptions.ClientLockoutAfter"/> the address for every account. So a
/// burst of wrong passwords slows the one guessing, and the account's owner elsewhere logs in as
/// usual. Accounts are named as <see cref="UserAuthenticator"/> resolves them (the account id, so
/// every spelling of one address counts alike). Success clears the pair's count but not the
/// address's, so one known password cannot be used to reset guessing at others.
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

    public bool IsLockedOut(IPAddress client, string? account)
    {
        var now = time.GetUtcNow();
        return IsLocked(ClientKey(client), now) || account is not null && IsLocked(PairKey(client, account), now);
    }

    public TimeSpan RecordFailure(IPAddress client, string? account)
    {
        var now = time.GetUtcNow();
        if (_records.Count > SweepThreshold)
        {
            Sweep(now);
        }

        var fromClient = Fail(ClientKey(client), _options.ClientLockoutAfter, now);
        if (fromClient == _options.ClientLockoutAfter)
        {
            LogClientLockedOut(client, fromClient, _options.LockoutDuration);
        }

        var failures = fromClient;
        if (account is not null)
        {
            var forAccount = Fail(PairKey(client, account), _options.LockoutAfter, now);
            if (forAccount == _options.LockoutAfter)
            {
                LogPairLockedOut(client, account, forAccount, _options.LockoutDuration);
            }

            failures = Math.Max(failures, forAccount);
        }

        return DelayFor(failures);
    }

    public void RecordSuccess(IPAddress client, string account) => _records.TryRemove(PairKey(client, account), out _);

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

    private int Fail(string key, int lockoutAfter, DateTimeOffset now)
    {
        var record = _records.GetOrAdd(key, _ => new FailureRecord(lockoutAfter));
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

    private static IPAddress Normalize(IPAddress client) => client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;

    private static string ClientKey(IPAddress client) => "ip:" + Normalize(client);

    private static string PairKey(IPAddress client, string account) => $"pair:{Normalize(client)} {account}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication locked out for {Client} and account {Account} after {Failures} failures, for {Duration}")]
    private partial void LogPairLockedOut(IPAddress client, string account, int failures, TimeSpan duration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication locked out for {Client}, every account, after {Failures} failures, for {Duration}")]
    private partial void LogClientLockedOut(IPAddress client, int failures, TimeSpan duration);

    private sealed class FailureRecord(int lockoutAfter)
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
                if (_failures >= lockoutAfter && _lockedSince is null)
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
