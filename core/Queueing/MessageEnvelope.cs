namespace MailCloud.Core.Queueing;

/// <summary>
/// The claim check that travels through the queues: a small, versioned JSON document that
/// points at the raw message in the spool. Stage-specific fields are null where they do not apply.
/// Serialize with <see cref="EnvelopeSerializer"/> only.
/// </summary>
public sealed record MessageEnvelope
{
    /// <summary>
    /// Bumped when a field changes meaning; readers refuse versions they do not know. Optional fields
    /// may be added without a bump: readers of this version ignore fields they do not know.
    /// </summary>
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>The id given at SMTP acceptance; shared by every stage message of this mail.</summary>
    public required string MessageId { get; init; }

    /// <summary>The spool blob holding the raw RFC 5322 message (Received: header included).</summary>
    public required string SpoolBlob { get; init; }

    /// <summary>MAIL FROM; empty for the null reverse-path (bounces).</summary>
    public required string MailFrom { get; init; }

    public required IReadOnlyList<EnvelopeRecipient> Recipients { get; init; }

    public required ReceivedFrom ReceivedFrom { get; init; }

    /// <summary>
    /// When we accepted the message (the SMTP 250). Every horizon counts from it: the relay's retry
    /// period and the spool's retention. No stage changes it, so a replayed message keeps its age.
    /// </summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Size of the spool blob in bytes.</summary>
    public long Size { get; init; }

    /// <summary>MAIL FROM BODY= (RFC 6152, RFC 3030).</summary>
    public MessageBodyType BodyType { get; init; } = MessageBodyType.SevenBit;

    /// <summary>MAIL FROM SMTPUTF8 (RFC 6531).</summary>
    public bool SmtpUtf8 { get; init; }

    /// <summary>DSN ENVID (RFC 3461 §4.4), as xtext-decoded text.</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>DSN RET (RFC 3461 §4.3).</summary>
    public DsnReturn? Return { get; init; }

    /// <summary>How many times this stage message has been attempted before (0 on the first try).</summary>
    public int Attempt { get; init; }

    /// <summary>Deliver stage: the account whose mailbox receives the message.</summary>
    public string? TargetAccountId { get; init; }

    /// <summary>Relay stage: the remote domain all <see cref="Recipients"/> share.</summary>
    public string? TargetDomain { get; init; }

    /// <summary>W3C traceparent of the trace that started at SMTP acceptance (see Diagnostics.MailCloudTelemetry).</summary>
    public string? TraceParent { get; init; }

    /// <summary>
    /// The sender authentication verdict reached at acceptance on the MX (recorded in the message's
    /// Authentication-Results too), so later stages decide without verifying again. Null for
    /// submission and for mail we generated.
    /// </summary>
    public EnvelopeAuthentication? Authentication { get; init; }

    /// <summary>
    /// Deliver and relay stages: set on a mailing list's copy for one member, whose own header fields are
    /// prepended when it is sent or filed (the list copy in the spool is shared by all members). Null
    /// otherwise, and in envelopes written before lists had it.
    /// </summary>
    public ListDelivery? List { get; init; }

    /// <summary>
    /// Route: the list an owner approved this post for (a held post released by moderation), which then
    /// distributes it without holding it again. Only the moderator sets it; mail never does.
    /// </summary>
    public string? ApprovedForList { get; init; }

    /// <summary>True for DSNs and other mail we generated; never bounced again.</summary>
    public bool IsBounce => MailFrom.Length == 0;
}

public sealed record EnvelopeRecipient
{
    public required string Address { get; init; }

    /// <summary>DSN ORCPT (RFC 3461 §4.2), e.g. "rfc822;bob@example.test".</summary>
    public string? OriginalRecipient { get; init; }

    /// <summary>DSN NOTIFY (RFC 3461 §4.1); null means the default (failure).</summary>
    public DsnNotify? Notify { get; init; }
}

/// <summary>Which list distributes this copy, to which member, and that member's List-Unsubscribe (RFC 2369 §3.2, RFC 8058 §3.1).</summary>
public sealed record ListDelivery
{
    public required string List { get; init; }

    public required string Member { get; init; }

    /// <summary>The List-Unsubscribe field value: the member's one-click https URL and its mailto twin, as URIs in angle brackets.</summary>
    public required string Unsubscribe { get; init; }
}

/// <summary>SPF, DKIM and DMARC results as RFC 8601 names them, and what DMARC policy asked of delivery.</summary>
public sealed record EnvelopeAuthentication
{
    public required string Spf { get; init; }

    /// <summary>The best DKIM result over all signatures ("none" without signatures).</summary>
    public required string Dkim { get; init; }

    public required string Dmarc { get; init; }

    /// <summary>The RFC 5322.From domain DMARC judged.</summary>
    public string? FromDomain { get; init; }

    /// <summary>
    /// The one RFC 5322.From address, when the message has exactly one. With <see cref="Dmarc"/> "pass"
    /// its domain is vouched for (aligned SPF or DKIM): the identity members-only lists judge.
    /// </summary>
    public string? Author { get; init; }

    /// <summary>DMARC p=quarantine applied (RFC 7489 §6.3): deliver to the Junk folder, not INBOX.</summary>
    public bool Quarantine { get; init; }
}

/// <summary>Who handed the message to us.</summary>
public sealed record ReceivedFrom
{
    public required string RemoteIp { get; init; }
    public required string Helo { get; init; }
    public string? TlsProtocol { get; init; }
    public string? TlsCipher { get; init; }
    public string? AuthenticatedUser { get; init; }

    /// <summary>The listener that took the message, e.g. "mx" or "submission".</summary>
    public string? Listener { get; init; }
}

public enum MessageBodyType
{
    SevenBit,
    EightBitMime,
    BinaryMime,
}

public enum DsnReturn
{
    Full,
    Headers,
}

[Flags]
public enum DsnNotify
{
    Never = 0,
    Success = 1,
    Failure = 2,
    Delay = 4,
}
