using MailCloud.Core.Queueing;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailCloud.Core.Pipeline.Relay;

/// <summary>
/// MailKit's SmtpClient for one relay transaction: passes the envelope's DSN parameters on
/// (RFC 3461 ENVID, NOTIFY, RET; MailKit sends them only when the server offers DSN, and
/// derives ORCPT from the RCPT address itself, which it does not let subclasses change),
/// and records each recipient's RCPT reply instead of failing the whole transaction on the first refusal.
/// </summary>
internal sealed class DsnSmtpClient : SmtpClient
{
    private readonly MessageEnvelope _envelope;
    private readonly Dictionary<string, EnvelopeRecipient> _recipients;

    public DsnSmtpClient(MessageEnvelope envelope, IReadOnlyList<EnvelopeRecipient> recipients, IProtocolLogger logger) : base(logger)
    {
        _envelope = envelope;
        _recipients = recipients.ToDictionary(r => r.Address, StringComparer.OrdinalIgnoreCase);
        DeliveryStatusNotificationType = envelope.Return switch
        {
            DsnReturn.Full => MailKit.Net.Smtp.DeliveryStatusNotificationType.Full,
            DsnReturn.Headers => MailKit.Net.Smtp.DeliveryStatusNotificationType.HeadersOnly,
            _ => MailKit.Net.Smtp.DeliveryStatusNotificationType.Unspecified,
        };
    }

    /// <summary>RCPT replies of refused recipients, by address.</summary>
    public Dictionary<string, SmtpResponse> Refused { get; } = new(StringComparer.OrdinalIgnoreCase);

    protected override string? GetEnvelopeId(MimeMessage message) => _envelope.EnvelopeId;

    protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox)
    {
        if (!_recipients.TryGetValue(mailbox.Address, out var recipient) || recipient.Notify is not { } notify)
        {
            return null;
        }

        if (notify == DsnNotify.Never)
        {
            return DeliveryStatusNotification.Never;
        }

        var result = default(DeliveryStatusNotification);
        if (notify.HasFlag(DsnNotify.Success))
        {
            result |= DeliveryStatusNotification.Success;
        }

        if (notify.HasFlag(DsnNotify.Failure))
        {
            result |= DeliveryStatusNotification.Failure;
        }

        if (notify.HasFlag(DsnNotify.Delay))
        {
            result |= DeliveryStatusNotification.Delay;
        }

        return result;
    }

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        Refused[mailbox.Address] = response;

    protected override void OnNoRecipientsAccepted(MimeMessage message) =>
        throw new NoRecipientsAcceptedException();
}

/// <summary>Every RCPT was refused; the replies are in <see cref="DsnSmtpClient.Refused"/>.</summary>
internal sealed class NoRecipientsAcceptedException : Exception;
