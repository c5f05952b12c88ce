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
/// An account with an active Sieve script is filtered by <see cref="SieveFilter"/> instead.
/// </summary>
public sealed partial class MailboxDelivery(
    MailboxFiler filer,
    BounceSender bounces,
    SieveFilter sieve,
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
        AppendResult result;
        try
        {
            if (await sieve.TryDeliverAsync(envelope, account, directory, head, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            result = await filer.FileAsync(envelope, account, folder, MessageFlags.Empty, key, head, cancellationToken).ConfigureAwait(false);
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
}
