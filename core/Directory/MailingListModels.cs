namespace MailCloud.Core.Directory;

/// <summary>
/// How a list runs itself. The defaults keep a list created by an administrator what it was before
/// lists could run themselves (no self-service, the poster's From: kept unless DMARC demands otherwise,
/// no tag, footer or archive) except that a post the policy does not allow is held for the owners
/// instead of refused.
/// </summary>
public sealed record ListSettings
{
    public SubscriptionPolicy Subscription { get; init; } = SubscriptionPolicy.Closed;

    /// <summary>What happens to a post from someone the posting policy does not allow.</summary>
    public NonMemberPosts NonMemberPosts { get; init; } = NonMemberPosts.Hold;

    /// <summary>What is done to a post whose author's domain publishes DMARC p=reject or p=quarantine (Mailman's dmarc_mitigate_action).</summary>
    public DmarcMitigation DmarcMitigation { get; init; } = DmarcMitigation.RewriteFrom;

    /// <summary>Prefixed to the Subject of each post (as "[team] "), once; null for none.</summary>
    public string? SubjectTag { get; init; }

    /// <summary>Appended to each post's text, before signing; null for none.</summary>
    public string? Footer { get; init; }

    /// <summary>True when posts are kept in the list's archive folder, readable by members over IMAP.</summary>
    public bool Archive { get; init; }

    /// <summary>One line about the list, for List-Id's phrase and the help and welcome messages; null for none.</summary>
    public string? Description { get; init; }

    /// <summary>The longest subject tag and footer accepted.</summary>
    public const int MaxSubjectTagLength = 64;

    public const int MaxFooterLength = 4096;

    public const int MaxDescriptionLength = 200;
}

/// <summary>Who may join a list by mail (or leave it: leaving is always allowed).</summary>
public enum SubscriptionPolicy
{
    /// <summary>Only an owner or administrator adds members.</summary>
    Closed,

    /// <summary>Anyone may join, by double opt-in: the address must answer a one-time confirmation.</summary>
    Confirm,

    /// <summary>Double opt-in, then an owner approves.</summary>
    Approve,
}

public enum NonMemberPosts
{
    /// <summary>Held for an owner to approve or discard; the poster is told it waits.</summary>
    Hold,

    /// <summary>Refused (550 5.7.1 in a DSN to the sender), as before lists had moderation.</summary>
    Reject,
}

public enum DmarcMitigation
{
    /// <summary>From: becomes the list address ("Jane Doe via team"); the author goes to Reply-To: (or Cc:) and X-Original-From:.</summary>
    RewriteFrom,

    /// <summary>The post travels as a message/rfc822 attachment of a message from the list.</summary>
    Wrap,

    /// <summary>Sent as posted (receivers may reject it).</summary>
    None,
}

/// <summary>A member who receives no posts, since <see cref="Since"/>, for <see cref="Reason"/>.</summary>
public sealed record DisabledMember(string Address, DateTimeOffset Since, DisabledReason Reason);

public enum DisabledReason
{
    /// <summary>Their address bounced hard too often; removed if it goes on.</summary>
    Bounces,

    /// <summary>An owner or administrator disabled them.</summary>
    Owner,
}
