using System.Text;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Pipeline.Bounce;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Pipeline.Deliver;

/// <summary>
/// Stage "deliver" (the MDA): appends the message to one account's INBOX (Junk when DMARC said
/// quarantine) with Return-Path and
/// Delivered-To prepended (RFC 5321 §4.4, RFC 9228). The idempotency key (message id + account id)
/// makes a redelivered queue message a no-op in the mailbox store.
/// </summary>
public sealed partial class DeliverHandler(
    IMailDirectory directory,
    IMailboxStore mailboxes,
    ISpool spool,
    BounceSender bounces,
    ILogger<DeliverHandler> logger) : IStageHandler
{
    public const string Folder = "INBOX";

    /// <summary>Where DMARC p=quarantine mail goes (RFC 7489 §6.3), decided at acceptance and carried in the envelope.</summary>
    public const string QuarantineFolder = "Junk";

    public PipelineStage Stage => PipelineStage.Deliver;

    public async Task<StageOutcome> HandleAsync(MessageEnvelope envelope, StageAttempt attempt, CancellationToken cancellationToken)
    {
        if (envelope.TargetAccountId is not { } accountId)
        {
            return StageOutcome.DeadLetter("deliver message without a target account");
        }

        var snapshot = await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var account = snapshot.FindAccountById(accountId);
        if (account is null || !account.Enabled)
        {
            // Removed or disabled after Route chose it.
            await BounceAsync(envelope, "5.1.1", $"550 5.1.1 <{envelope.Recipients[0].Address}>: mailbox unavailable", cancellationToken).ConfigureAwait(false);
            return StageOutcome.Completed;
        }

        var key = IdempotencyKey(envelope.MessageId, accountId);
        var folder = envelope.Authentication is { Quarantine: true } ? QuarantineFolder : Folder;
        Stream message;
        try
        {
            message = await spool.OpenReadAsync(envelope.SpoolBlob, cancellationToken).ConfigureAwait(false);
        }
        catch (SpoolMessageNotFoundException ex)
        {
            return StageOutcome.DeadLetter(ex.Message);
        }

        var trace = Encoding.UTF8.GetBytes($"Return-Path: <{envelope.MailFrom}>\r\nDelivered-To: {account.Address}\r\n");
        await using var content = new PrefixedStream(trace, message);
        AppendResult result;
        try
        {
            // Quota is checked inside the append's transaction; a redelivery of a stored message is
            // recognised by its key before quota matters, so it never bounces on its own bytes.
            result = await mailboxes.AppendAsync(
                accountId, folder, content, MessageFlags.Empty, envelope.ReceivedAt, key, new MailboxQuota(account.QuotaBytes), cancellationToken).ConfigureAwait(false);
        }
        catch (MailboxQuotaExceededException e)
        {
            LogOverQuota(envelope.MessageId, accountId, e.UsedBytes, e.MaxBytes);
            await BounceAsync(envelope, "5.2.2", $"552 5.2.2 <{account.Address}>: mailbox full", cancellationToken).ConfigureAwait(false);
            return StageOutcome.Completed;
        }

        LogDelivered(envelope.MessageId, accountId, result.Uid, result.AlreadyDelivered);
        return StageOutcome.Completed;
    }

    /// <summary>One delivery of one message to one account, whatever number of times the queue hands it out.</summary>
    public static string IdempotencyKey(string messageId, string accountId) => $"{messageId}:{accountId}";

    private Task BounceAsync(MessageEnvelope envelope, string status, string diagnostic, CancellationToken cancellationToken) =>
        bounces.SendAsync(envelope, [.. envelope.Recipients.Select(r => new RecipientFailure(r, status, diagnostic))], DsnAction.Failed, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {MessageId} to account {AccountId} as UID {Uid} (already delivered: {AlreadyDelivered})")]
    private partial void LogDelivered(string messageId, string accountId, uint uid, bool alreadyDelivered);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} bounced: account {AccountId} uses {Used} of {Quota} bytes")]
    private partial void LogOverQuota(string messageId, string accountId, long used, long quota);
}
