using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.Lists;

/// <summary>How mailing lists run themselves (configuration section "Lists").</summary>
public sealed class ListOptions
{
    public const string SectionName = "Lists";

    /// <summary>
    /// Where the HTTP surface answers (one-click unsubscribe, RFC 8058), without a trailing slash; null means
    /// <c>https://autoconfig.&lt;list domain&gt;</c>, the host that already points at it for client setup.
    /// </summary>
    [Url] public string? WebBaseUrl { get; set; }

    /// <summary>How long a subscription or unsubscription waits for its confirmation.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")] public TimeSpan ConfirmationLifetime { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How long a held post waits for an owner; then it is discarded and the poster told.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "30.00:00:00")] public TimeSpan HeldPostLifetime { get; set; } = TimeSpan.FromDays(5);

    /// <summary>A member whose address bounced hard on this many posts is disabled (and told).</summary>
    [Range(1, 100)] public int BouncedPostsToDisable { get; set; } = 3;

    /// <summary>... or whose hard bounces span this long (first to latest).</summary>
    [Range(typeof(TimeSpan), "01:00:00", "60.00:00:00")] public TimeSpan BouncingPeriodToDisable { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Bounces older than this are forgotten: a member who stopped bouncing starts afresh.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "365.00:00:00")] public TimeSpan BounceMemory { get; set; } = TimeSpan.FromDays(14);

    /// <summary>A member disabled by bounces this long ago is removed (and told).</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "365.00:00:00")] public TimeSpan RemoveDisabledAfter { get; set; } = TimeSpan.FromDays(14);
}
