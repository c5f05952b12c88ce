namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>A command that does not follow the grammar: answered with a tagged BAD (RFC 9051 §7.1.5).</summary>
public sealed class ImapSyntaxException(string message) : Exception(message);

/// <summary>A command that is well formed but cannot be done: answered with a tagged NO and an optional response code.</summary>
public sealed class ImapNoException(string message, string? responseCode = null) : Exception(message)
{
    /// <summary>A response code such as TRYCREATE or NONEXISTENT (RFC 9051 §7.1), without brackets.</summary>
    public string? ResponseCode { get; } = responseCode;
}
