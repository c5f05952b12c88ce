using MailCloud.Core.Directory;
using MailCloud.Core.Lists.Distribution;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Pipeline.Housekeeping;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Pipeline.Deliver;

/// <summary>
/// Files one accepted message into one folder of one account, with Return-Path and Delivered-To
/// prepended (RFC 5321 §4.4, RFC 9228), and a list member's List-Unsubscribe: the row references the spool blob, or (for late mail, see
/// <see cref="SpoolRetention"/>) the bytes are copied. Used by <see cref="MailboxDelivery"/> and by the Sieve
/// actions, so every way into a mailbox checks the quota and the idempotency key the same way.
/// </summary>
public sealed partial class MailboxFiler(IMailboxStore mailboxes, ISpool spool, SpoolRetention retention, ILogger<MailboxFiler> logger)
{
    /// <exception cref="MailboxQuotaExceededException">The account is full.</exception>
    /// <exception cref="FolderNotFoundException">The folder does not exist.</exception>
    public async Task<AppendResult> FileAsync(
        MessageEnvelope envelope,
        Account account,
        string folder,
        MessageFlags flags,
        string idempotencyKey,
        SpoolHead? head,
        CancellationToken cancellationToken)
    {
        // A list member's own List-Unsubscribe (RFC 8058) travels with the trace fields: the list copy is shared.
        var memberFields = envelope.List is { } list ? ListHeaderFields.MemberLine(list) : "";
        var trace = System.Text.Encoding.UTF8.GetBytes($"Return-Path: <{envelope.MailFrom}>\r\nDelivered-To: {account.Address}\r\n{memberFields}");
        var quota = new MailboxQuota(account.QuotaBytes, account.QuotaMessages ?? 0);

        // Quota (bytes and messages) is checked inside the append's transaction; a redelivery of a stored message is
        // recognised by its key before quota matters, so it never bounces on its own bytes.
        if (retention.MayReference(envelope.ReceivedAt))
        {
            head ??= await spool.ReadHeadAsync(envelope.SpoolBlob, SpoolReading.HeadBytes, cancellationToken).ConfigureAwait(false);
            var accepted = new AcceptedMessage(envelope.SpoolBlob, head.Size, trace, head.Bytes);
            return await mailboxes.AppendAcceptedAsync(account.Id, folder, accepted, flags, envelope.ReceivedAt, idempotencyKey, quota, cancellationToken).ConfigureAwait(false);
        }

        LogCopying(envelope.MessageId, envelope.ReceivedAt);
        await using var content = new PrefixedStream(trace, await spool.OpenReadAsync(envelope.SpoolBlob, cancellationToken).ConfigureAwait(false));
        return await mailboxes.AppendAsync(account.Id, folder, content, flags, envelope.ReceivedAt, idempotencyKey, quota, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId}, accepted {AcceptedAt}, is near the spool's retention: its bytes are copied into the mailbox")]
    private partial void LogCopying(string messageId, DateTimeOffset acceptedAt);
}
