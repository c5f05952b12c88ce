using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using MailCloud.Gateway.Hosting;

namespace MailCloud.Gateway.Smtp.Protocol;

/// <summary>
/// An SMTP reply (RFC 5321 §4.2): a three-digit code, an enhanced status code (RFC 3463, sent
/// under ENHANCEDSTATUSCODES, RFC 2034) and one or more text lines.
/// </summary>
public sealed record SmtpReply(int Code, string? EnhancedCode, IReadOnlyList<string> Lines)
{
    public SmtpReply(int code, string? enhancedCode, string text)
        : this(code, enhancedCode, [text])
    {
    }

    public bool IsPositive => Code is >= 200 and < 400;

    /// <summary>
    /// What the reply means for the session's error budget: the x0z replies are the syntax group
    /// (RFC 5321 §4.2.1: syntax, unimplemented or out-of-sequence commands), and 555 is a MAIL/RCPT
    /// parameter that is not recognized (§4.2.2); every other negative reply is a refusal.
    /// </summary>
    public CommandOutcome Outcome => IsPositive
        ? CommandOutcome.Success
        : Code is >= 500 and <= 509 or 555 ? CommandOutcome.ProtocolError : CommandOutcome.Refusal;

    /// <summary>
    /// Writes the reply: "250-first", ..., "250 last" (RFC 5321 §4.2.1). The enhanced code goes
    /// on every line (RFC 2034 §4) when <paramref name="enhancedCodes"/> is on.
    /// </summary>
    public void WriteTo(IBufferWriter<byte> output, bool enhancedCodes = true)
    {
        var code = Code.ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < Lines.Count; i++)
        {
            var separator = i == Lines.Count - 1 ? ' ' : '-';
            var text = enhancedCodes && EnhancedCode is not null ? $"{EnhancedCode} {Lines[i]}" : Lines[i];
            var line = $"{code}{separator}{text}\r\n";
            var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length));
            output.Advance(Encoding.UTF8.GetBytes(line, span));
        }
    }

    public override string ToString() => $"{Code} {EnhancedCode} {string.Join(" / ", Lines)}";
}

/// <summary>The replies used in more than one place; one-off replies are written where they are sent.</summary>
public static class SmtpReplies
{
    public static SmtpReply Ok { get; } = new(250, "2.0.0", "OK");
    public static SmtpReply StartMailInput { get; } = new(354, null, "End data with <CR><LF>.<CR><LF>");
    public static SmtpReply BadSequence { get; } = new(503, "5.5.1", "Bad sequence of commands");
    public static SmtpReply LineTooLong { get; } = new(500, "5.5.2", "Line too long");
    public static SmtpReply TextLineTooLong { get; } = new(550, "5.5.2", "Message has a line longer than 1000 octets (RFC 5321 4.5.3.1.6)");
    public static SmtpReply BareLineEnding { get; } = new(550, "5.6.0", "Message contains a bare CR or LF, or NUL; lines must end with CRLF");
    public static SmtpReply MessageTooBig { get; } = new(552, "5.3.4", "Message size exceeds fixed maximum message size");
    public static SmtpReply StorageUnavailable { get; } = new(451, "4.3.0", "Temporary storage failure; please try again later");

    /// <summary>The directory cannot be read: whether a sender or recipient is acceptable is undecided for now.</summary>
    public static SmtpReply DirectoryUnavailable { get; } = new(451, "4.3.0", "Directory temporarily unavailable; please try again later");

    /// <summary>RFC 4954 §6: the credentials could not be checked for now.</summary>
    public static SmtpReply AuthenticationUnavailable { get; } = new(454, "4.7.0", "Temporary authentication failure");

    /// <summary>RFC 5321 §4.5.3.1.10: a recipient over the limit gets 452; the client sends it in another transaction.</summary>
    public static SmtpReply TooManyRecipients { get; } = new(452, "4.5.3", "Too many recipients");
    /// <summary>RFC 5321 §3.1 and §4.3.1: the client must wait for the greeting; one that speaks first is refused (as Postfix's postscreen).</summary>
    public static SmtpReply TalkedBeforeGreeting { get; } = new(554, "5.5.0", "Protocol error: commands sent before the greeting");

    /// <summary>Over the MX's per-client connection rate (RFC 5321 §3.1: a server that will not serve may greet with 421 and close).</summary>
    public static SmtpReply TooManyConnectionsPerMinute(IPAddress client) => new(421, "4.7.0", $"Too many connections from [{client}]; try again later");

    /// <summary>Over the MX's per-client message rate: a temporary refusal of MAIL, as Postfix ("too much mail from") and mox answer.</summary>
    public static SmtpReply TooMuchMail(IPAddress client) => new(451, "4.7.1", $"Too much mail from [{client}]; try again later");

    /// <summary>Over the MX's per-client recipient rate: RFC 5321 §4.5.3.1.10's 452, as Postfix's anvil answers.</summary>
    public static SmtpReply TooManyRecipientsPerMinute(IPAddress client) => new(452, "4.5.3", $"Too many recipients from [{client}]; try again later");

    /// <summary>
    /// A client on a DNS blocklist, in Postfix's words, given in place of the 220 (RFC 5321 §3.1: the
    /// session is refused, and the client should QUIT).
    /// </summary>
    public static SmtpReply Blocklisted(IPAddress client, string zone) => new(554, "5.7.1", $"Service unavailable; client [{client}] blocked using {zone}");

    public static SmtpReply TooManyErrors { get; } = new(421, "4.7.0", "Too many errors; closing connection");
    public static SmtpReply ShuttingDown { get; } = new(421, "4.3.2", "Service shutting down; closing connection");
    public static SmtpReply AuthenticationRequired { get; } = new(530, "5.7.0", "Authentication required");
    public static SmtpReply EncryptionRequired { get; } = new(538, "5.7.11", "Encryption required for requested authentication mechanism");
    public static SmtpReply AuthenticationFailed { get; } = new(535, "5.7.8", "Authentication credentials invalid");
    public static SmtpReply AuthenticationLockedOut { get; } = new(454, "4.7.0", "Too many failed authentications; try again later");
    public static SmtpReply InvalidBase64 { get; } = new(501, "5.5.2", "Invalid base64 data");
    public static SmtpReply AuthenticationCancelled { get; } = new(501, "5.0.0", "Authentication cancelled");
}
