using System.Text;
using MailCloud.Core.Diagnostics;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Pipeline.Bounce;
using MailCloud.Core.Pipeline.Housekeeping;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Pipeline.Deliver;

/// <summary>
/// The MDA step: puts one accepted message into one account's INBOX (Junk when DMARC said
/// quarantine) with Return-Path and Delivered-To prepended (RFC 5321 §4.4, RFC 9228). Route runs
/// it for a handful of local recipients, the Deliver stage for the rest. The bytes are not copied:
/// the mailbox row references the spool blob, with the two trace lines kept in the row (late mail,
/// close to the spool's retention, is copied instead; see <see cref="SpoolRetention"/>). The
/// idempotency key (message id + account id) makes a repeated delivery a no-op in the mailbox store.
/// </summary>
public sealed partial class MailboxDelivery(
    IMailboxStore mailboxes,
    ISpool spool,
    BounceSender bounces,
    SpoolRetention retention,
    ILogger<MailboxDelivery> logger)
{
    public const string Folder = "INBOX";

    /// <summary>Where DMARC p=quarantine mail goes (RFC 7489 §6.3), decided at acceptance and carried in the envelope.</summary>
    public const string QuarantineFolder = "Junk";

    /// <summary>
    /// Delivers <paramref name="envelope"/> (one recipient, <see cref="MessageEnvelope.TargetAccountId"/>)
    /// from its spool blob, whose first bytes <paramref name="head"/> the caller may have read already.
    /// A removed, disabled or full mailbox is answered with a DSN.
    /// </summary>
    /// <exception cref="SpoolMessageNotFoundException">The spool blob is gone.</exception>
    public async Task DeliverAsync(MessageEnvelope envelope, DirectorySnapshot directory, SpoolHead? head, CancellationToken cancellationToken)
    {
        var accountId = envelope.TargetAccountId ?? throw new ArgumentException("A local delivery needs a target account.", nameof(envelope));
        using var activity = MailCloudTelemetry.Source.StartActivity("mailbox.deliver");
        activity?.SetTag("mailcloud.message_id", envelope.MessageId);
        activity?.SetTag("mailcloud.account_id", accountId);
        var account = directory.FindAccountById(accountId);
        if (account is null || !account.Enabled)
        {
            // Removed or disabled after Route chose it.
            await BounceAsync(envelope, "5.1.1", $"550 5.1.1 <{envelope.Recipients[0].Address}>: mailbox unavailable", cancellationToken).ConfigureAwait(false);
            return;
        }

        var key = IdempotencyKey(envelope.MessageId, accountId);
        var folder = envelope.Authentication is { Quarantine: true } ? QuarantineFolder : Folder;
        var trace = Encoding.UTF8.GetBytes($"Return-Path: <{envelope.MailFrom}>\r\nDelivered-To: {account.Address}\r\n");
        var quota = new MailboxQuota(account.QuotaBytes, account.QuotaMessages ?? 0);
        AppendResult result;
        try
        {
            // Quota (bytes and messages) is checked inside the append's transaction; a redelivery of a stored message is
            // recognised by its key before quota matters, so it never bounces on its own bytes.
            if (retention.MayReference(envelope.ReceivedAt))
            {
                head ??= await spool.ReadHeadAsync(envelope.SpoolBlob, SpoolReading.HeadBytes, cancellationToken).ConfigureAwait(false);
                var accepted = new AcceptedMessage(envelope.SpoolBlob, head.Size, trace, head.Bytes);
                result = await mailboxes.AppendAcceptedAsync(accountId, folder, accepted, MessageFlags.Empty, envelope.ReceivedAt, key, quota, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                LogCopying(envelope.MessageId, envelope.ReceivedAt);
                await using var content = new PrefixedStream(trace, await spool.OpenReadAsync(envelope.SpoolBlob, cancellationToken).ConfigureAwait(false));
                result = await mailboxes.AppendAsync(accountId, folder, content, MessageFlags.Empty, envelope.ReceivedAt, key, quota, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (MailboxQuotaExceededException e)
        {
            LogOverQuota(envelope.MessageId, accountId, e.Usage.UsedBytes, e.Quota.MaxBytes, e.Usage.MessageCount, e.Quota.MaxMessages);
            await BounceAsync(envelope, "5.2.2", $"552 5.2.2 <{account.Address}>: mailbox full", cancellationToken).ConfigureAwait(false);
            return;
        }

        LogDelivered(envelope.MessageId, accountId, result.Uid, result.AlreadyDelivered);
    }

    /// <summary>One delivery of one message to one account, whatever number of times it is attempted.</summary>
    public static string IdempotencyKey(string messageId, string accountId) => $"{messageId}:{accountId}";

    private Task BounceAsync(MessageEnvelope envelope, string status, string diagnostic, CancellationToken cancellationToken) =>
        bounces.SendAsync(envelope, [.. envelope.Recipients.Select(r => new RecipientFailure(r, status, diagnostic))], DsnAction.Failed, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {MessageId} to account {AccountId} as UID {Uid} (already delivered: {AlreadyDelivered})")]
    private partial void LogDelivered(string messageId, string accountId, uint uid, bool alreadyDelivered);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} bounced: account {AccountId} uses {Used} of {Quota} bytes and holds {Messages} of {MessageLimit} messages (0: no limit)")]
    private partial void LogOverQuota(string messageId, string accountId, long used, long quota, long messages, long messageLimit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}, accepted {AcceptedAt}, is near the spool's retention: its bytes are copied into the mailbox")]
    private partial void LogCopying(string messageId, DateTimeOffset acceptedAt);
}
