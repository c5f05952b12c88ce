using System.Diagnostics;
using MailCloud.Core.Configuration;
using MailCloud.Core.Diagnostics;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Smtp.Acceptance;

/// <summary>
/// The claim check at acceptance: the raw message streams into a spool blob, then the envelope
/// goes on the inbound queue. Success is reported only when both are durable; when the queue send
/// fails the blob is deleted, so no half-accepted message remains (architecture invariant 1).
/// </summary>
public sealed partial class MessageAcceptor(
    ISpool spool,
    IQueueTransport queues,
    IOptions<QueueingOptions> queueing,
    ILogger<MessageAcceptor> logger)
{
    /// <summary>
    /// What an envelope sized at RCPT still gains (the blob's size, the trace parent, the time stamp's
    /// digits) and what Route adds (target and retry fields): the inbound envelope stays this far under
    /// the transport's limit.
    /// </summary>
    private const int LaterStagesReserve = 2048;

    /// <summary>
    /// The largest inbound envelope, in serialized bytes: what the queue transport carries, less what
    /// later stages add. SMTP refuses, at RCPT, the recipient that would cross it (RFC 5321 §4.5.3.1.10),
    /// so an accepted message always fits on the queue.
    /// </summary>
    public int MaxEnvelopeSize => queues.MaxMessageBodySize - LaterStagesReserve;

    /// <summary>A new, unique, time-ordered message id (valid as a spool name).</summary>
    public static string NewMessageId() => Guid.CreateVersion7().ToString("N");

    public Task<ISpoolWriter> BeginAsync(string messageId, CancellationToken cancellationToken) =>
        spool.CreateAsync(messageId, cancellationToken);

    /// <summary>
    /// Commits the blob and queues the envelope (with the committed size). Returns false, having
    /// left nothing behind, when storage or the queue fails: the client gets a 4xx and retries.
    /// Runs to the end once started (no cancellation): the outcome must be one or the other.
    /// </summary>
    /// <param name="leadingBytes">Trace fields and the held-back header section, written ahead of the streamed body.</param>
    public async Task<bool> CompleteAsync(ISpoolWriter writer, MessageEnvelope envelope, ReadOnlyMemory<byte> leadingBytes)
    {
        // The message's trace starts here; its parent travels in the envelope to every stage.
        using var activity = MailCloudTelemetry.Source.StartActivity("smtp.accept", ActivityKind.Server);
        activity?.SetTag("mailcloud.message_id", envelope.MessageId);
        activity?.SetTag("mailcloud.recipients", envelope.Recipients.Count);
        envelope = envelope with { TraceParent = activity?.Id ?? envelope.TraceParent };
        long size;
        try
        {
            size = await writer.CommitAsync(leadingBytes, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogSpoolFailed(ex, envelope.MessageId);
            activity?.SetStatus(ActivityStatusCode.Error, "spool commit failed");
            return false;
        }

        try
        {
            var body = EnvelopeSerializer.Serialize(envelope with { Size = size });
            await queues.SendAsync(queueing.Value.InboundQueue, new OutgoingMessage(envelope.MessageId, body), delay: null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogQueueFailed(ex, envelope.MessageId);
            try
            {
                await spool.DeleteAsync(writer.SpoolBlob, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception deleteFailure)
            {
                // The housekeeping sweep removes spool blobs no queue message points at.
                LogOrphaned(deleteFailure, writer.SpoolBlob);
            }

            activity?.SetStatus(ActivityStatusCode.Error, "inbound queue send failed");
            return false;
        }

        LogAccepted(envelope.MessageId, size, envelope.Recipients.Count);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Accepted {MessageId}: {Size} bytes for {RecipientCount} recipients")]
    private partial void LogAccepted(string messageId, long size, int recipientCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool commit failed for {MessageId}; answering 451")]
    private partial void LogSpoolFailed(Exception exception, string messageId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Inbound queue send failed for {MessageId}; answering 451")]
    private partial void LogQueueFailed(Exception exception, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete spool blob {SpoolBlob} after a queue failure; housekeeping will")]
    private partial void LogOrphaned(Exception exception, string spoolBlob);
}
