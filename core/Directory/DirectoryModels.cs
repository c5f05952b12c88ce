using MailCloud.Core.Addresses;

namespace MailCloud.Core.Directory;

/// <summary>A domain we host. <see cref="CatchAll"/> is the address that receives mail for unknown local parts.</summary>
public sealed record HostedDomain(string Name, string? CatchAll = null);

/// <summary>
/// A mailbox owner. <see cref="Id"/> is stable and never derived from the address, so the
/// mailbox store's blob paths never contain user input. <see cref="QuotaBytes"/> limits the
/// octets of all its messages and <see cref="QuotaMessages"/>, when set, their number (RFC 9208
/// STORAGE and MESSAGE).
/// </summary>
public sealed record Account(
    string Id,
    string Address,
    string? DisplayName,
    string PasswordHash,
    long QuotaBytes,
    bool Enabled,
    DateTimeOffset CreatedAt)
{
    /// <summary>The most messages the account may hold over all its folders; null (and in directories written before it existed, absent) means no limit.</summary>
    public long? QuotaMessages { get; init; }
}

/// <summary>An account's limits: octets (always limited) and, optionally, messages.</summary>
public sealed record AccountLimits(long QuotaBytes, long? QuotaMessages);

/// <summary>An address that forwards to one or more local or remote addresses.</summary>
public sealed record Alias(string Address, IReadOnlyList<string> Targets);

public enum PostingPolicy
{
    /// <summary>Anyone may post.</summary>
    Anyone,

    /// <summary>Only members may post.</summary>
    Members,

    /// <summary>Only the listed senders may post.</summary>
    Senders,

    /// <summary>Every post waits for an owner's approval, except the owners' own.</summary>
    Moderated,
}

/// <summary>
/// An address that expands to its members, subject to a posting policy. <see cref="Owners"/> run it
/// (they get moderation and subscription notices at <c>&lt;list&gt;-owner@</c>); <see cref="Disabled"/>
/// members stay subscribed but receive nothing (bounces, or an owner, disabled them). Directories written
/// before mailing lists could run themselves have none of the three: no owners, default settings, none disabled.
/// </summary>
public sealed record DistributionList(
    string Address,
    IReadOnlyList<string> Members,
    PostingPolicy Policy,
    IReadOnlyList<string> AllowedSenders)
{
    public IReadOnlyList<string> Owners { get; init; } = [];

    public ListSettings Settings { get; init; } = new();

    public IReadOnlyList<DisabledMember> Disabled { get; init; } = [];

    /// <summary>True when <paramref name="address"/> is a member (in any state).</summary>
    public bool HasMember(string address) => Members.Any(m => SameAddress(m, address));

    public bool IsOwner(string address) => Owners.Any(o => SameAddress(o, address));

    public bool IsDisabled(string address) => Disabled.Any(d => SameAddress(d.Address, address));

    private static bool SameAddress(string stored, string address) =>
        EmailAddress.TryParse(address, out var parsed) && EmailAddress.TryParse(stored, out var candidate) && candidate.Key == parsed.Key;
}

/// <summary>What an envelope recipient is, as seen from the directory at one moment.</summary>
public enum RecipientKind
{
    /// <summary>The domain is not one we host.</summary>
    Remote,

    /// <summary>A hosted domain, but no account, alias, list or catch-all takes it.</summary>
    Unknown,

    Account,
    Alias,
    List,

    /// <summary>Unknown local part, taken by the domain's catch-all.</summary>
    CatchAll,

    /// <summary>One of a list's control addresses (<c>&lt;list&gt;-request@</c>, <c>-subscribe@</c>, <c>-bounces+token@</c>, …).</summary>
    ListControl,
}

public sealed record RecipientResolution(RecipientKind Kind, string Address)
{
    public Account? Account { get; init; }
    public Alias? Alias { get; init; }
    public DistributionList? List { get; init; }

    /// <summary>For <see cref="RecipientKind.CatchAll"/>: the catch-all target address.</summary>
    public string? CatchAllTarget { get; init; }

    /// <summary>For <see cref="RecipientKind.ListControl"/> (with <see cref="List"/>): the command and its token.</summary>
    public Lists.ListControlAddress? ListControl { get; init; }

    public bool IsDeliverable => Kind is not RecipientKind.Unknown;
}
