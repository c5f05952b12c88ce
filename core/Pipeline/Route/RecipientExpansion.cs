using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Pipeline.Bounce;
using MailCloud.Core.Queueing;

namespace MailCloud.Core.Pipeline.Route;

/// <summary>A local mailbox the message goes to. <see cref="Recipient"/> carries the envelope recipient's DSN data.</summary>
public sealed record LocalDelivery(Account Account, EnvelopeRecipient Recipient, DistributionList? ViaList);

/// <summary>
/// A remote address the message goes to. <see cref="ForwardingDomain"/> is set when one of our
/// aliases or lists forwarded it there (the sender must then be rewritten).
/// </summary>
public sealed record RemoteDelivery(EmailAddress Address, EnvelopeRecipient Recipient, string? ForwardingDomain, DistributionList? ViaList);

/// <summary>Mail to one of a list's control addresses (a subscription request, a bounce, a confirmation, …).</summary>
public sealed record ListControlDelivery(DistributionList List, ListControlAddress Control, EnvelopeRecipient Recipient);

/// <summary>A post the list's policy does not let through at once: it waits for an owner (<see cref="Reason"/> says why, for the notice).</summary>
public sealed record HeldPostRequest(DistributionList List, EnvelopeRecipient Recipient, string Poster, string Reason);

public sealed record RecipientExpansion(
    IReadOnlyList<LocalDelivery> Local,
    IReadOnlyList<RemoteDelivery> Remote,
    IReadOnlyList<RecipientFailure> Failures)
{
    public IReadOnlyList<ListControlDelivery> ListControl { get; init; } = [];

    public IReadOnlyList<HeldPostRequest> Held { get; init; } = [];
}
