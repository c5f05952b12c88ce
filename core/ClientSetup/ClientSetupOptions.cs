using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.ClientSetup;

/// <summary>What mail clients are told to connect to (configuration section "ClientSetup").</summary>
public sealed class ClientSetupOptions
{
    public const string SectionName = "ClientSetup";

    /// <summary>The host name clients connect to for IMAP, POP3 and submission, and the MX host MTA-STS names.</summary>
    [Required] public string MailHost { get; set; } = "";

    [Range(1, 65535)] public int ImapsPort { get; set; } = 993;
    [Range(1, 65535)] public int ImapPort { get; set; } = 143;
    [Range(1, 65535)] public int Pop3sPort { get; set; } = 995;
    [Range(1, 65535)] public int Pop3Port { get; set; } = 110;
    [Range(1, 65535)] public int SubmissionsPort { get; set; } = 465;
    [Range(1, 65535)] public int SubmissionPort { get; set; } = 587;

    /// <summary>
    /// The MTA-STS mode (RFC 8461 §5): <c>testing</c> by default, so a certificate problem delays no
    /// mail while TLS-RPT reports show whether senders could verify us; switch to <c>enforce</c> then.
    /// </summary>
    public MtaStsMode MtaStsMode { get; set; } = MtaStsMode.Testing;

    /// <summary>How long senders may cache the policy (RFC 8461 §3.2 max_age; a week, as the RFC's examples).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")] public TimeSpan MtaStsMaxAge { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>RFC 8461 §5 policy modes.</summary>
public enum MtaStsMode
{
    Testing,
    Enforce,
    None,
}
