namespace MailCloud.Core.Lists.State;

/// <summary>What answering a one-time token does.</summary>
public enum PendingAction
{
    /// <summary>The address confirms it wants to join (double opt-in).</summary>
    Subscribe,

    /// <summary>The member confirms it wants to leave.</summary>
    Unsubscribe,

    /// <summary>An owner lets a confirmed applicant in (subscription policy Approve).</summary>
    ApproveSubscription,

    /// <summary>An owner turns a confirmed applicant away.</summary>
    RejectSubscription,

    /// <summary>An owner releases a held post to the list.</summary>
    ApprovePost,

    /// <summary>An owner throws a held post away.</summary>
    DiscardPost,
}

/// <summary>
/// A request waiting for the reply to its <see cref="Token"/> (<c>&lt;list&gt;-confirm+token@</c>) until
/// <see cref="ExpiresAt"/>. <see cref="Address"/> is who joins or leaves; an owner decision has a
/// <see cref="Sibling"/> (the token for the other answer, void once one is taken) and, for a post, the
/// <see cref="HeldPostId"/>.
/// </summary>
public sealed record PendingRequest(string Token, PendingAction Action, string List, string Address, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt)
{
    public string? Sibling { get; init; }

    public string? HeldPostId { get; init; }
}
