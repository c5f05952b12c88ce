using System.ComponentModel.DataAnnotations;

namespace MailCloud.Gateway.Security;

/// <summary>How authentication failures are slowed and then locked out (section "AuthenticationThrottle").</summary>
public sealed class AuthenticationThrottleOptions
{
    public const string SectionName = "AuthenticationThrottle";

    /// <summary>Failures answered at once, before delays start (typos happen).</summary>
    [Range(0, 100)] public int FreeFailures { get; set; } = 2;

    /// <summary>The first delay; each further failure doubles it, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failures from one client address for one account that lock that pair out (the account's owner elsewhere is not).</summary>
    [Range(1, 10_000)] public int LockoutAfter { get; set; } = 10;

    /// <summary>
    /// Failures from one client address, whatever the accounts, that lock the address out for every
    /// account: higher than <see cref="LockoutAfter"/>, since many users may share one address (NAT).
    /// </summary>
    [Range(1, 10_000)] public int ClientLockoutAfter { get; set; } = 30;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Failures older than this are forgotten.</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(15);
}
