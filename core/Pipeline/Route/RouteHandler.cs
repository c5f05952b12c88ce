using System.Diagnostics;
using MailCloud.Core.Addresses;
using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Lists.Archive;
using MailCloud.Core.Lists.Bounces;
using MailCloud.Core.Lists.Distribution;
using MailCloud.Core.Lists.Moderation;
using MailCloud.Core.Lists.Requests;
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
/// per mailbox), and queues one "relay" message per remote domain (and reverse-path); a list's members get
/// the list's copy of the post, each under the list's VERP reverse-path (so one relay message per remote
/// member) with their own List-Unsubscribe added when it is sent or filed. Re-running it
/// repeats the same deliveries and re-sends the same stage messages under the same ids; deliveries
/// are idempotent per message and account, Deliver and Relay per message id, so the effect happens once.
/// </summary>
public sealed partial class RouteHandler(
    IMailDirectory directory,
    ISpool spool,
    MailboxDelivery delivery,
    ListArchiveDelivery archive,
    IQueueTransport transport,
    RecipientExpander expander,
    SenderRewritingScheme srs,
    ListDistribution lists,
    BounceSender bounces,
    ListRequestHandler listRequests,
    HeldPostModerator moderator,
    ListBounceProcessor listBounces,
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
        await moderator.HoldAsync(envelope, headers, expansion.Held, snapshot, cancellationToken).ConfigureAwait(false);
        await listRequests.HandleAsync(envelope, headers, expansion.ListControl, snapshot, cancellationToken).ConfigureAwait(false);

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

            var member = local.ViaList is { } viaList ? lists.ForMember(viaList, ListDistribution.MemberFor(viaList, local.Account, snapshot)) : null;
            var message = envelope with
            {
                SpoolBlob = await SpoolBlobForAsync(envelope, local.ViaList, listCopies, cancellationToken).ConfigureAwait(false),
                MailFrom = member?.ReversePath ?? envelope.MailFrom,
                List = member?.Delivery,
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
        var relayGroups = new List<(string Domain, string MailFrom, string SpoolBlob, ListDelivery? List, List<EnvelopeRecipient> Recipients)>();
        foreach (var remote in expansion.Remote)
        {
            // List mail leaves under the member's VERP address (unique per member, so a group of one), not SRS.
            var member = remote.ViaList is { } viaList ? lists.ForMember(viaList, ListDistribution.MemberFor(viaList, remote.Address)) : null;
            var mailFrom = member?.ReversePath ?? ReversePathFor(envelope.MailFrom, remote, snapshot);
            var spoolBlob = await SpoolBlobForAsync(envelope, remote.ViaList, listCopies, cancellationToken).ConfigureAwait(false);
            var group = relayGroups.FirstOrDefault(g => g.Domain == remote.Address.Domain && g.MailFrom == mailFrom && g.SpoolBlob == spoolBlob);
            if (group.Recipients is null)
            {
                group = (remote.Address.Domain, mailFrom, spoolBlob, member?.Delivery, []);
                relayGroups.Add(group);
            }

            group.Recipients.Add(remote.Recipient with { Address = remote.Address.ToString() });
        }

        foreach (var (domain, mailFrom, spoolBlob, list, recipients) in relayGroups)
        {
            var message = envelope with
            {
                SpoolBlob = spoolBlob,
                MailFrom = mailFrom,
                List = list,
                Recipients = recipients,
                TargetAccountId = null,
                TargetDomain = domain,
                Attempt = 0,
            };
            var id = $"{envelope.MessageId}/relay/{domain}/{PipelineMarkers.Hash(mailFrom + "\n" + spoolBlob)[..8]}";
            await SendAsync(relayQueue, id, message, cancellationToken).ConfigureAwait(false);
        }

        // Each list's archive keeps the list's copy once (idempotent per message and archive).
        foreach (var list in ListArchiveDelivery.ArchivingLists(expansion))
        {
            var listCopy = await SpoolBlobForAsync(envelope, list, listCopies, cancellationToken).ConfigureAwait(false);
            await archive.StoreAsync(envelope, list, listCopy, cancellationToken).ConfigureAwait(false);
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

    /// <summary>The original spool blob, or (once per list) the list's copy of the post.</summary>
    private async Task<string> SpoolBlobForAsync(MessageEnvelope envelope, DistributionList? list, Dictionary<string, string> copies, CancellationToken cancellationToken)
    {
        if (list is null)
        {
            return envelope.SpoolBlob;
        }

        if (!copies.TryGetValue(list.Address, out var blob))
        {
            blob = await lists.WriteCopyAsync(envelope, list, cancellationToken).ConfigureAwait(false);
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
