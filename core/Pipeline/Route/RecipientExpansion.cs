using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
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

public sealed record RecipientExpansion(
    IReadOnlyList<LocalDelivery> Local,
    IReadOnlyList<RemoteDelivery> Remote,
    IReadOnlyList<RecipientFailure> Failures);
