using MailCloud.Core.Configuration;
using MailCloud.Core.Pipeline.Relay;
using MailCloud.Core.Pipeline.State;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Core.Pipeline.Bounce;

/// <summary>
/// Sends DSNs back to the envelope sender as ordinary mail: written to the spool and queued on
/// "inbound" with the null reverse-path, so Route delivers or relays them like anything else.
/// A DSN is named by what it reports (message, action, recipients): per-recipient markers stop a
/// second DSN for the same failure, and if a crash lands between send and markers, the repeated
/// DSN has the same id and Deliver's idempotency key drops it.
/// </summary>
public sealed partial class BounceSender(
    ISpool spool,
    IQueueTransport transport,
    PipelineMarkers markers,
    IOptions<PipelineOptions> options,
    IOptions<QueueingOptions> queues,
    TimeProvider time,
    ILogger<BounceSender> logger)
{
    private readonly PipelineOptions _options = options.Value;

    public async Task SendAsync(MessageEnvelope original, IReadOnlyList<RecipientFailure> failures, DsnAction action, CancellationToken cancellationToken)
    {
        if (original.IsBounce)
        {
            // RFC 3464 §2: never a DSN about a DSN (or any null-sender message).
            LogNotBouncingBounce(original.MessageId, failures.Count);
            return;
        }

        var wanted = action == DsnAction.Failed ? DsnNotify.Failure : DsnNotify.Delay;
        // RFC 3461 §4.1: without NOTIFY, failures and delays are reported.
        var reportable = failures.Where(f => f.Recipient.Notify is not { } notify || notify.HasFlag(wanted)).ToList();
        if (reportable.Count == 0)
        {
            return;
        }

        // One marker per recipient and action: a recipient is reported failed (or delayed) once,
        // however the failures of one message are grouped into DSNs across retries.
        var pending = new List<(RecipientFailure Failure, string Marker)>();
        foreach (var failure in reportable)
        {
            var marker = PipelineMarkers.BounceSent(PipelineMarkers.Hash($"{original.MessageId}\n{action}\n{failure.Recipient.Address.ToLowerInvariant()}"));
            if (!await markers.ExistsAsync(marker, cancellationToken).ConfigureAwait(false))
            {
                pending.Add((failure, marker));
            }
        }

        if (pending.Count == 0)
        {
            return;
        }

        reportable = [.. pending.Select(p => p.Failure)];
        var failureKey = PipelineMarkers.Hash(string.Join('\n', pending.Select(p => p.Marker).Order(StringComparer.Ordinal)));
        var dsnId = $"dsn-{failureKey}";
        var originalMessage = await ReadOriginalAsync(original, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var dsn = DsnBuilder.Build(original, reportable, action, originalMessage, _options.HostName, dsnId, now);
        var (spoolBlob, size) = await spool.WriteAsync(dsnId, (stream, ct) => dsn.WriteToAsync(stream, ct), cancellationToken).ConfigureAwait(false);

        var envelope = new MessageEnvelope
        {
            MessageId = dsnId,
            SpoolBlob = spoolBlob,
            MailFrom = "",
            Recipients = [new EnvelopeRecipient { Address = original.MailFrom, Notify = DsnNotify.Never }],
            ReceivedFrom = new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = _options.HostName, Listener = DkimMessageSigner.ReceivedFromPipeline },
            ReceivedAt = now,
            Size = size,
            BodyType = MessageBodyType.EightBitMime,
        };
        await transport.SendAsync(queues.Value.InboundQueue, new OutgoingMessage(dsnId, EnvelopeSerializer.Serialize(envelope)), null, cancellationToken).ConfigureAwait(false);
        foreach (var (_, marker) in pending)
        {
            await markers.TryCreateAsync(marker, cancellationToken).ConfigureAwait(false);
        }
        LogSent(action, original.MessageId, original.MailFrom, reportable.Count, dsnId);
    }

    /// <summary>The original (whole for RET=FULL, else its header), or null when its spool blob is gone: the DSN goes out without it.</summary>
    private async Task<MimeMessage?> ReadOriginalAsync(MessageEnvelope original, CancellationToken cancellationToken)
    {
        try
        {
            if (original.Return == DsnReturn.Full)
            {
                return await spool.ReadMessageAsync(original.SpoolBlob, cancellationToken).ConfigureAwait(false);
            }

            var headers = await spool.ReadHeadersAsync(original.SpoolBlob, cancellationToken).ConfigureAwait(false);
            return new MimeMessage(headers);
        }
        catch (SpoolMessageNotFoundException)
        {
            LogContentUnavailable(original.MessageId, original.SpoolBlob);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "DSN for {MessageId} sent without the original: spool blob {SpoolBlob} is gone")]
    private partial void LogContentUnavailable(string messageId, string spoolBlob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not bouncing null-sender message {MessageId} ({Count} failed recipients)")]
    private partial void LogNotBouncingBounce(string messageId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "DSN ({Action}) for {MessageId} to {Sender} covering {Count} recipients queued as {DsnId}")]
    private partial void LogSent(DsnAction action, string messageId, string sender, int count, string dsnId);
}
