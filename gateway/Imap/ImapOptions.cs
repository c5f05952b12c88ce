using System.ComponentModel.DataAnnotations;

namespace MailCloud.Gateway.Imap;

/// <summary>Limits and timings of the IMAP server (configuration section "Imap").</summary>
public sealed class ImapOptions
{
    public const string SectionName = "Imap";

    /// <summary>Longest command line (without literals); a longer one is answered with BYE and the connection closed.</summary>
    [Range(1024, 1024 * 1024)] public int MaxLineLength { get; set; } = 64 * 1024;

    /// <summary>Largest message APPEND takes, announced as APPENDLIMIT (RFC 7889), and the most octets of all messages of one APPEND (MULTIAPPEND, RFC 3502).</summary>
    [Range(1024, int.MaxValue)] public long AppendLimit { get; set; } = 50L * 1024 * 1024;

    /// <summary>Largest literal in any other command (search strings, mailbox names).</summary>
    [Range(1024, 16 * 1024 * 1024)] public int MaxLiteralSize { get; set; } = 64 * 1024;

    /// <summary>Most bytes of lines and literals in one command (an APPEND's messages aside).</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)] public int MaxCommandSize { get; set; } = 1024 * 1024;

    /// <summary>Largest literal before login (a user name or password); nothing larger has a reason to come before authentication.</summary>
    [Range(256, 1024 * 1024)] public int MaxLiteralSizeBeforeLogin { get; set; } = 8 * 1024;

    /// <summary>Most bytes of lines and literals in one command before login.</summary>
    [Range(1024, 4 * 1024 * 1024)] public int MaxCommandSizeBeforeLogin { get; set; } = 64 * 1024;

    /// <summary>Literals larger than this are spooled to a temporary file instead of memory.</summary>
    [Range(4096, 64 * 1024 * 1024)] public int LiteralMemoryThreshold { get; set; } = 256 * 1024;

    /// <summary>Consecutive BAD commands after which the server says BYE.</summary>
    [Range(1, 1000)] public int MaxBadCommands { get; set; } = 10;

    /// <summary>How often a selected folder's change token is polled (one poller per folder per process).</summary>
    public TimeSpan ChangePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Memory for parsed message headers shared by all sessions (SEARCH by header reads each message once).</summary>
    [Range(0, long.MaxValue)] public long HeaderCacheBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Memory for BODYSTRUCTURE answers shared by all sessions (a message is parsed once, not on every FETCH).</summary>
    [Range(0, long.MaxValue)] public long BodyStructureCacheBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// How often an IDLE says "* OK Still here" (RFC 2177 §3 allows untagged responses at any time):
    /// at most two minutes, so no NAT or load balancer on the way (Azure's idle timeout is at least
    /// four) drops a quiet connection. (How long an IDLE may last is the listener's
    /// <see cref="Hosting.ListenerOptions.IdleTimeout"/>: one setting for the autologout timer.)
    /// </summary>
    public TimeSpan IdleKeepaliveInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest <see cref="IdleKeepaliveInterval"/> allowed.</summary>
    public static TimeSpan MaxIdleKeepaliveInterval { get; } = TimeSpan.FromMinutes(2);
}
