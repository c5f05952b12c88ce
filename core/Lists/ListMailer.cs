using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Pipeline.Relay;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Core.Lists;

/// <summary>
/// Sends a list's own messages (confirmations, welcomes, notices to owners and posters) as ordinary mail:
/// written to the spool and queued on "inbound", as <see cref="Pipeline.Bounce.BounceSender"/> sends DSNs, so
/// Route delivers or relays them and they are DKIM-signed by the list's domain. The caller names each
/// message by what it is about (<paramref name="id"/>): a retry sends the same id, which the queue and
/// Deliver's idempotency drop. The envelope sender is the list's bare <c>-bounces@</c>, so a bounce of a
/// notice comes back to the list and ends there (RFC 3834 §3.3: no answer to an automatic message).
/// </summary>
public sealed partial class ListMailer(
    ISpool spool,
    IQueueTransport transport,
    IOptions<QueueingOptions> queues,
    IOptions<PipelineOptions> pipeline,
    TimeProvider time,
    ILogger<ListMailer> logger)
{
    public async Task SendAsync(DistributionList list, string id, MimeMessage message, IReadOnlyList<string> recipients, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(recipients.Count);
        var messageId = $"list-{id}".ToLowerInvariant();
        if (!message.Headers.Contains("Auto-Submitted"))
        {
            // RFC 3834 §5: so that vacation responders and other lists leave it alone.
            message.Headers.Add("Auto-Submitted", "auto-generated");
        }

        var (spoolBlob, size) = await spool.WriteAsync(messageId, (stream, ct) => message.WriteToAsync(stream, ct), cancellationToken).ConfigureAwait(false);
        var envelope = new MessageEnvelope
        {
            MessageId = messageId,
            SpoolBlob = spoolBlob,
            MailFrom = ListAddresses.Format(list.Address, ListCommand.Bounces),
            Recipients = [.. recipients.Select(r => new EnvelopeRecipient { Address = r, Notify = DsnNotify.Never })],
            ReceivedFrom = new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = pipeline.Value.HostName, Listener = DkimMessageSigner.ReceivedFromPipeline },
            ReceivedAt = time.GetUtcNow(),
            Size = size,
            BodyType = MessageBodyType.EightBitMime,
        };
        await transport.SendAsync(queues.Value.InboundQueue, new OutgoingMessage(messageId, EnvelopeSerializer.Serialize(envelope)), null, cancellationToken).ConfigureAwait(false);
        LogSent(list.Address, messageId, recipients.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "List {List} queued its message {MessageId} to {Count} recipients")]
    private partial void LogSent(string list, string messageId, int count);
}
