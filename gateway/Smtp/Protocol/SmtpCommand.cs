namespace MailCloud.Gateway.Smtp.Protocol;

/// <summary>A parsed SMTP command line (RFC 5321 §4.1.1 and the extensions we implement).</summary>
public abstract record SmtpCommand;

/// <summary>EHLO / HELO (§4.1.1.1). <see cref="Identity"/> is a domain or an address literal.</summary>
public sealed record HeloCommand(bool Extended, string Identity) : SmtpCommand;

/// <summary>MAIL FROM (§4.1.1.2). An empty <see cref="ReversePath"/> is the null path "&lt;&gt;".</summary>
public sealed record MailCommand(string ReversePath, MailParameters Parameters) : SmtpCommand;

/// <summary>RCPT TO (§4.1.1.3).</summary>
public sealed record RcptCommand(string ForwardPath, RcptParameters Parameters) : SmtpCommand;

public sealed record DataCommand : SmtpCommand;

/// <summary>BDAT (RFC 3030 §2): a chunk of exactly <see cref="Size"/> octets follows the command line.</summary>
public sealed record BdatCommand(long Size, bool Last) : SmtpCommand;

public sealed record RsetCommand : SmtpCommand;

public sealed record NoopCommand : SmtpCommand;

public sealed record QuitCommand : SmtpCommand;

public sealed record VrfyCommand(string Argument) : SmtpCommand;

public sealed record HelpCommand(string? Topic) : SmtpCommand;

/// <summary>STARTTLS (RFC 3207 §4).</summary>
public sealed record StartTlsCommand : SmtpCommand;

/// <summary>AUTH (RFC 4954 §4). <see cref="InitialResponse"/> is still base64 ("=" for an empty one).</summary>
public sealed record AuthCommand(string Mechanism, string? InitialResponse) : SmtpCommand;

/// <summary>MAIL FROM parameters: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461).</summary>
public sealed record MailParameters
{
    public long? Size { get; init; }
    public Core.Queueing.MessageBodyType Body { get; init; } = Core.Queueing.MessageBodyType.SevenBit;
    public bool SmtpUtf8 { get; init; }
    public Core.Queueing.DsnReturn? Return { get; init; }

    /// <summary>ENVID, xtext-decoded.</summary>
    public string? EnvelopeId { get; init; }
}

/// <summary>RCPT TO parameters: NOTIFY and ORCPT (RFC 3461 §4.1, §4.2).</summary>
public sealed record RcptParameters
{
    public Core.Queueing.DsnNotify? Notify { get; init; }

    /// <summary>ORCPT as "addr-type;address" with the address xtext-decoded.</summary>
    public string? OriginalRecipient { get; init; }
}
