using System.Net;
using MailCloud.Gateway.Security;
using MailCloud.Gateway.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Tests.Hosting;

public sealed class AuthenticationThrottleTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress OtherClient = IPAddress.Parse("192.0.2.11");
    private readonly ManualClock _clock = new();
    private readonly AuthenticationThrottle _throttle;

    public AuthenticationThrottleTests()
    {
        var options = new AuthenticationThrottleOptions
        {
            FreeFailures = 2,
            BaseDelay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(4),
            LockoutAfter = 6,
            ClientLockoutAfter = 9,
            LockoutDuration = TimeSpan.FromMinutes(15),
            FailureWindow = TimeSpan.FromMinutes(10),
        };
        _throttle = new AuthenticationThrottle(Options.Create(options), _clock, NullLogger<AuthenticationThrottle>.Instance);
    }

    [Fact]
    public void Delays_grow_after_the_free_failures_up_to_the_maximum()
    {
        var delays = Enumerable.Range(0, 5).Select(_ => _throttle.RecordFailure(Client, "alice@example.test").TotalSeconds).ToArray();
        Assert.Equal([0, 0, 1, 2, 4], delays);
        Assert.False(_throttle.IsLockedOut(Client, "alice@example.test"));
    }

    [Fact]
    public void Locks_out_the_address_and_account_pair_not_the_account_elsewhere_then_releases_it()
    {
        for (var i = 0; i < 6; i++)
        {
            _throttle.RecordFailure(Client, "account:alice");
        }

        Assert.True(_throttle.IsLockedOut(Client, "account:alice"));
        Assert.False(_throttle.IsLockedOut(Client, null));
        Assert.False(_throttle.IsLockedOut(Client, "account:bob"));
        Assert.False(_throttle.IsLockedOut(OtherClient, "account:alice"));

        _clock.Advance(TimeSpan.FromMinutes(16));
        Assert.False(_throttle.IsLockedOut(Client, "account:alice"));
    }

    [Fact]
    public void Guessing_many_accounts_from_one_address_locks_the_address()
    {
        for (var i = 0; i < 9; i++)
        {
            _throttle.RecordFailure(Client, $"account:user{i}");
        }

        Assert.True(_throttle.IsLockedOut(Client, null));
        Assert.True(_throttle.IsLockedOut(Client, "account:someone-else"));
        Assert.False(_throttle.IsLockedOut(OtherClient, "account:user0"));
    }

    [Fact]
    public void Success_clears_the_account_but_not_the_address()
    {
        for (var i = 0; i < 4; i++)
        {
            _throttle.RecordFailure(Client, "alice@example.test");
        }

        _throttle.RecordSuccess(Client, "alice@example.test");
        Assert.Equal(TimeSpan.Zero, _throttle.RecordFailure(OtherClient, "alice@example.test"));
        Assert.Equal(TimeSpan.FromSeconds(4), _throttle.RecordFailure(Client, "bob@example.test"));
    }

    [Fact]
    public void Old_failures_are_forgotten()
    {
        for (var i = 0; i < 5; i++)
        {
            _throttle.RecordFailure(Client, "alice@example.test");
        }

        _clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(TimeSpan.Zero, _throttle.RecordFailure(Client, "alice@example.test"));
    }
}
