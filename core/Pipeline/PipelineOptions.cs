using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.Pipeline;

/// <summary>Settings shared by the pipeline stages and the local runner (section "Pipeline").</summary>
public sealed class PipelineOptions
{
    public const string SectionName = "Pipeline";

    /// <summary>This system's host name: Reporting-MTA of DSNs, MAILER-DAEMON@HostName, EHLO name for relay.</summary>
    [Required] public string HostName { get; set; } = "localhost";

    /// <summary>More Received: headers than this is a mail loop (RFC 5321 §6.3 suggests at least 100 as a hard limit; we stop earlier).</summary>
    [Range(5, 200)] public int MaxReceivedHeaders { get; set; } = 30;

    /// <summary>How deep aliases, lists and catch-alls may nest before expansion gives up as a loop.</summary>
    [Range(1, 50)] public int MaxExpansionDepth { get; set; } = 10;

    /// <summary>
    /// HMAC key of the Sender Rewriting Scheme, used when mail is forwarded to a remote address
    /// so the receiver's SPF check sees our domain rather than the original sender's.
    /// </summary>
    [Required, MinLength(16)] public string SrsSecret { get; set; } = "";

    /// <summary>How long a rewritten SRS address stays valid for bounces coming back.</summary>
    public TimeSpan SrsMaxAge { get; set; } = TimeSpan.FromDays(21);

    /// <summary>
    /// Added to the relay's retry period (both counted from acceptance) before the housekeeping sweep
    /// deletes spool blobs: room for a queue backlog and the bounce that ends the last retry.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "30.00:00:00")]
    public TimeSpan SpoolRetentionMargin { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often the local housekeeping service sweeps (the Functions app uses its timer's schedule).</summary>
    public TimeSpan HousekeepingInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Route delivers to this many local mailboxes itself (no deliver queue message, no second
    /// read); mail for more (a large list) fans out through the deliver queue. 0 always fans out.
    /// </summary>
    [Range(0, 100)] public int RouteDeliveryLimit { get; set; } = 10;

    /// <summary>Local runner: messages handled at once per stage.</summary>
    [Range(1, 256)] public int RunnerConcurrency { get; set; } = 8;

    /// <summary>Local runner: wait between polls of an empty queue.</summary>
    public TimeSpan RunnerPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Local runner: how long a received message stays invisible to other consumers unless renewed;
    /// renewed while a stage works, so this bounds how soon a crashed worker's message comes back.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RunnerVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Local runner: delay before a message whose handler threw is tried again.</summary>
    public TimeSpan ExceptionRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The address DSNs come from.</summary>
    public string MailerDaemon => $"MAILER-DAEMON@{HostName}";
}
