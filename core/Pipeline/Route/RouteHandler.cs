using System.Diagnostics;
using MailCloud.Core.Addresses;
using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Lists.Bounces;
using MailCloud.Core.Pipeline.Bounce;
using MailCloud.Core.Pipeline.Deliver;
using MailCloud.Core.Pipeline.State;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Core.Pipeline.Route;

/// <summary>
/// Stage "inbound": decides where a message goes. Expands aliases, lists and catch-alls, stops
/// mail loops, then delivers to the local mailboxes itself when they are few (up to
/// <see cref="PipelineOptions.RouteDeliveryLimit"/>; a larger list fans out as one "deliver" message
/// per mailbox), and queues one "relay" message per remote domain (and reverse-path). Re-running it
/// repeats the same deliveries and re-sends the same stage messages under the same ids; deliveries
/// are idempotent per message and account, Deliver and Relay per message id, so the effect happens once.
/// </summary>
public sealed partial class RouteHandler(
    IMailDirectory directory,
    ISpool spool,
    MailboxDelivery delivery,
    IQueueTransport transport,
    RecipientExpander expander,
    ListBounceProcessor listBounces,
    SenderRewritingScheme srs,
    BounceSender bounces,
    IOptions<PipelineOptions> options,
    IOptions<QueueingOptions> queues,
    ILogger<RouteHandler> logger) : IStageHandler
{
    private readonly PipelineOptions _options = options.Value;

    public PipelineStage Stage => PipelineStage.Route;

    public async Task<StageOutcome> HandleAsync(MessageEnvelope envelope, StageAttempt attempt, CancellationToken cancellationToken)
    {
        HeaderList headers;
        SpoolHead head;
        try
        {
            (headers, head) = await spool.ReadHeadAndHeadersAsync(envelope.SpoolBlob, cancellationToken).ConfigureAwait(false);
        }
        catch (SpoolMessageNotFoundException ex)
        {
            return StageOutcome.DeadLetter(ex.Message);
        }

        // RFC 5321 §6.3: a message that has passed through too many hops is looping.
        var hops = headers.Count(h => h.Id == HeaderId.Received);
        if (hops > _options.MaxReceivedHeaders)
        {
            LogTooManyHops(envelope.MessageId, hops);
            var failures = envelope.Recipients.Select(r => new RecipientFailure(r, "5.4.6", $"554 5.4.6 too many hops ({hops} Received headers): mail loop")).ToList();
            await bounces.SendAsync(envelope, failures, DsnAction.Failed, cancellationToken).ConfigureAwait(false);
            return StageOutcome.Completed;
        }

        var snapshot = await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var expansion = expander.Expand(snapshot, envelope, _options.MaxExpansionDepth);
        var failed = expansion.Failures.ToList();
        failed.AddRange(expansion.Held.Select(h => new RecipientFailure(h.Recipient, "5.7.1", $"550 5.7.1 <{h.List.Address}>: {h.Reason}")));
        failed.AddRange(expansion.ListControl.Where(c => c.Control.Command != ListCommand.Bounces).Select(c => new RecipientFailure(c.Recipient, "5.1.1", $"550 5.1.1 <{c.Recipient.Address}>: no such user")));

        foreach (var bounce in expansion.ListControl.Where(c => c.Control.Command == ListCommand.Bounces))
        {
            await listBounces.HandleAsync(envelope, bounce, cancellationToken).ConfigureAwait(false);
        }

        // Our own Delivered-To for a mailbox already in the header means the message came back around.
        var deliveredTo = headers.Where(h => h.Field.Equals("Delivered-To", StringComparison.OrdinalIgnoreCase))
            .Select(h => EmailAddress.TryParse(h.Value.Trim().Trim('<', '>'), out var a) ? a.Key : null)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);

        var listCopies = new Dictionary<string, string>(StringComparer.Ordinal);
        var deliverQueue = queues.Value.DeliverQueue;
        var deliverHere = expansion.Local.Count <= _options.RouteDeliveryLimit;
        foreach (var local in expansion.Local)
        {
            if (deliveredTo.Contains(EmailAddress.Parse(local.Account.Address).Key))
            {
                failed.Add(new RecipientFailure(local.Recipient, "5.4.6", $"554 5.4.6 <{local.Account.Address}>: mail loop (already delivered here)"));
                continue;
            }

            var message = envelope with
            {
                SpoolBlob = await SpoolBlobForAsync(envelope, local.ViaList, listCopies, cancellationToken).ConfigureAwait(false),
                Recipients = [local.Recipient],
                TargetAccountId = local.Account.Id,
                TargetDomain = null,
                Attempt = 0,
            };
            if (deliverHere)
            {
                await delivery.DeliverAsync(message, snapshot, message.SpoolBlob == envelope.SpoolBlob ? head : null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await SendAsync(deliverQueue, $"{envelope.MessageId}/deliver/{local.Account.Id}", message, cancellationToken).ConfigureAwait(false);
            }
        }

        var relayQueue = queues.Value.RelayQueue;
        var relayGroups = new List<(string Domain, string MailFrom, string SpoolBlob, List<EnvelopeRecipient> Recipients)>();
        foreach (var remote in expansion.Remote)
        {
            var mailFrom = ReversePathFor(envelope.MailFrom, remote, snapshot);
            var spoolBlob = await SpoolBlobForAsync(envelope, remote.ViaList, listCopies, cancellationToken).ConfigureAwait(false);
            var group = relayGroups.FirstOrDefault(g => g.Domain == remote.Address.Domain && g.MailFrom == mailFrom && g.SpoolBlob == spoolBlob);
            if (group.Recipients is null)
            {
                group = (remote.Address.Domain, mailFrom, spoolBlob, []);
                relayGroups.Add(group);
            }

            group.Recipients.Add(remote.Recipient with { Address = remote.Address.ToString() });
        }

        foreach (var (domain, mailFrom, spoolBlob, recipients) in relayGroups)
        {
            var message = envelope with
            {
                SpoolBlob = spoolBlob,
                MailFrom = mailFrom,
                Recipients = recipients,
                TargetAccountId = null,
                TargetDomain = domain,
                Attempt = 0,
            };
            var id = $"{envelope.MessageId}/relay/{domain}/{PipelineMarkers.Hash(mailFrom + "\n" + spoolBlob)[..8]}";
            await SendAsync(relayQueue, id, message, cancellationToken).ConfigureAwait(false);
        }

        if (failed.Count > 0)
        {
            await bounces.SendAsync(envelope, failed, DsnAction.Failed, cancellationToken).ConfigureAwait(false);
        }

        LogRouted(envelope.MessageId, expansion.Local.Count, deliverHere, relayGroups.Count, failed.Count);
        return StageOutcome.Completed;
    }

    /// <summary>
    /// Forwarded mail keeps its sender only when the sender is ours (our SPF record covers it);
    /// otherwise it leaves under an SRS address of the forwarding domain.
    /// </summary>
    private string ReversePathFor(string mailFrom, RemoteDelivery remote, DirectorySnapshot snapshot)
    {
        if (remote.ForwardingDomain is not { } forwardingDomain || !EmailAddress.TryParse(mailFrom, out var sender) || snapshot.IsHostedDomain(sender.Domain))
        {
            return mailFrom;
        }

        return srs.Forward(mailFrom, forwardingDomain);
    }

    /// <summary>The original spool blob, or (once per list) a copy with the list's header fields prepended.</summary>
    private async Task<string> SpoolBlobForAsync(MessageEnvelope envelope, DistributionList? list, Dictionary<string, string> copies, CancellationToken cancellationToken)
    {
        if (list is null)
        {
            return envelope.SpoolBlob;
        }

        if (!copies.TryGetValue(list.Address, out var blob))
        {
            var copyId = $"{envelope.MessageId}-list-{PipelineMarkers.Hash(list.Address.ToLowerInvariant())[..12]}";
            (blob, _) = await spool.WriteAsync(copyId, async (target, ct) =>
            {
                await using var content = new PrefixedStream(ListHeaders.For(list), await spool.OpenReadAsync(envelope.SpoolBlob, ct).ConfigureAwait(false));
                await content.CopyToAsync(target, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            copies[list.Address] = blob;
        }

        return blob;
    }

    private Task SendAsync(string queue, string id, MessageEnvelope message, CancellationToken cancellationToken) =>
        transport.SendAsync(
            queue,
            new OutgoingMessage(id.ToLowerInvariant(), EnvelopeSerializer.Serialize(message with { TraceParent = Activity.Current?.Id ?? message.TraceParent })),
            null,
            cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} has {Hops} Received headers: bounced as a loop")]
    private partial void LogTooManyHops(string messageId, int hops);

    [LoggerMessage(Level = LogLevel.Information, Message = "Routed {MessageId}: {LocalCount} mailboxes (delivered here: {DeliveredHere}), {RelayCount} relay groups, {FailedCount} failed recipients")]
    private partial void LogRouted(string messageId, int localCount, bool deliveredHere, int relayCount, int failedCount);
}
