using System.Globalization;
using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists.Requests;
using MailCloud.Core.Lists.State;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Pipeline.Route;
using MailCloud.Core.Pipeline.State;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Core.Lists.Moderation;

/// <summary>What became of a moderation decision.</summary>
public enum ModerationResult
{
    Approved,
    Discarded,

    /// <summary>An owner (or the expiry) decided the other way first.</summary>
    DecidedOtherwise,

    /// <summary>No such held post: never held, already decided, or expired.</summary>
    NotFound,
}

/// <summary>
/// Holds posts for an owner and carries out their decision (Mailman's moderation queue). A held post keeps its
/// bytes and envelope in the lists container; the owners get a notice with the post attached and two one-time
/// addresses (approve, discard); the poster hears that it waits, and later if it was discarded or expired. An
/// approved post goes back through "inbound" once, as <c>approved-&lt;id&gt;</c> with
/// <see cref="MessageEnvelope.ApprovedForList"/> set, so Route distributes it without holding it again and
/// Deliver's idempotency drops a second release. Held ids and message ids derive from the post, so Route
/// running again holds nothing twice and sends no second notice.
/// </summary>
public sealed partial class HeldPostModerator(
    HeldPostStore store,
    PendingRequestStore pending,
    IMailDirectory directory,
    ISpool spool,
    IQueueTransport transport,
    ListMailer mailer,
    IOptions<QueueingOptions> queues,
    IOptions<ListOptions> options,
    TimeProvider time,
    ILogger<HeldPostModerator> logger)
{
    public async Task HoldAsync(MessageEnvelope envelope, HeaderList headers, IReadOnlyList<HeldPostRequest> held, DirectorySnapshot snapshot, CancellationToken cancellationToken)
    {
        foreach (var request in held)
        {
            var list = request.List;
            var id = PipelineMarkers.Hash($"{envelope.MessageId}\n{ListStateKey.For(list.Address)}");
            var now = time.GetUtcNow();
            var expires = now + options.Value.HeldPostLifetime;
            var approve = await pending.TokenForAsync(list.Address, $"approve-post\n{id}", expires, cancellationToken).ConfigureAwait(false);
            var discard = await pending.TokenForAsync(list.Address, $"discard-post\n{id}", expires, cancellationToken).ConfigureAwait(false);
            var poster = request.Poster.Length > 0 ? request.Poster : envelope.MailFrom;
            var post = new HeldPost(
                id,
                list.Address,
                poster,
                AutomaticMail.IsAutomatic(envelope, headers) || poster.Length == 0 ? null : poster,
                request.Reason,
                headers["Subject"]?.Trim() ?? "",
                now,
                approve,
                discard,
                EnvelopeSerializer.Serialize(envelope with { Recipients = [request.Recipient] }).ToString());
            post = await store.HoldAsync(post, ct => spool.OpenReadAsync(envelope.SpoolBlob, ct), cancellationToken).ConfigureAwait(false);
            await pending.EnsureAsync(new PendingRequest(post.ApproveToken, PendingAction.ApprovePost, list.Address, poster, now, expires) { Sibling = post.DiscardToken, HeldPostId = id }, cancellationToken).ConfigureAwait(false);
            await pending.EnsureAsync(new PendingRequest(post.DiscardToken, PendingAction.DiscardPost, list.Address, poster, now, expires) { Sibling = post.ApproveToken, HeldPostId = id }, cancellationToken).ConfigureAwait(false);
            LogHeld(list.Address, envelope.MessageId, id, request.Reason);

            var owners = ListOwners.RecipientsFor(list, snapshot);
            if (owners.Count > 0)
            {
                await SendOwnerNoticeAsync(list, post, owners, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                LogNoOwners(list.Address, id);
            }

            if (post.NotifyAddress is { } notify)
            {
                await TellPosterAsync(list, post, notify, "waiting", $"Your post to {list.Address} awaits moderator approval", $"""
                    Your message to {list.Address}
                      Subject: {post.Subject}
                    is held until a moderator of the list approves or discards it.
                    Why: {post.Reason}.

                    You will hear if it is discarded. Unless it is decided by {Format(post.HeldAt + options.Value.HeldPostLifetime)}, it is discarded.
                    """, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<IReadOnlyList<HeldPost>> ListAsync(string list, CancellationToken cancellationToken) =>
        await store.ListAsync(list, cancellationToken).ConfigureAwait(false);

    /// <summary>Releases the held post <paramref name="id"/> to <paramref name="list"/>.</summary>
    public async Task<ModerationResult> ApproveAsync(string list, string id, CancellationToken cancellationToken)
    {
        var (outcome, post) = await store.DecideAsync(list, id, ModerationDecision.Approve, cancellationToken).ConfigureAwait(false);
        if (outcome != DecisionOutcome.Decided || post is null)
        {
            return outcome == DecisionOutcome.Missing ? ModerationResult.NotFound : ModerationResult.DecidedOtherwise;
        }

        await ReleaseAsync(post, cancellationToken).ConfigureAwait(false);
        return ModerationResult.Approved;
    }

    /// <summary>Throws the held post <paramref name="id"/> away and tells its poster.</summary>
    public async Task<ModerationResult> DiscardAsync(string list, string id, CancellationToken cancellationToken)
    {
        var (outcome, post) = await store.DecideAsync(list, id, ModerationDecision.Discard, cancellationToken).ConfigureAwait(false);
        if (outcome != DecisionOutcome.Decided || post is null)
        {
            return outcome == DecisionOutcome.Missing ? ModerationResult.NotFound : ModerationResult.DecidedOtherwise;
        }

        await DropAsync(post, expired: false, cancellationToken).ConfigureAwait(false);
        return ModerationResult.Discarded;
    }

    /// <summary>
    /// Discards (and tells the posters of) posts held longer than <see cref="ListOptions.HeldPostLifetime"/>; a post
    /// an owner decided on whose decision was cut short is carried out instead. Returns how many posts it settled.
    /// </summary>
    public async Task<int> ExpireAsync(CancellationToken cancellationToken)
    {
        var settled = 0;
        foreach (var post in await store.ListHeldBeforeAsync(time.GetUtcNow() - options.Value.HeldPostLifetime, cancellationToken).ConfigureAwait(false))
        {
            var (outcome, decided) = await store.DecideAsync(post.List, post.Id, ModerationDecision.Discard, cancellationToken).ConfigureAwait(false);
            if (decided is null)
            {
                continue;
            }

            if (outcome == DecisionOutcome.Decided)
            {
                await DropAsync(decided, expired: true, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ReleaseAsync(decided, cancellationToken).ConfigureAwait(false);
            }

            settled++;
        }

        return settled;
    }

    private async Task ReleaseAsync(HeldPost post, CancellationToken cancellationToken)
    {
        var messageId = $"approved-{post.Id}";
        var (spoolBlob, size) = await spool.WriteAsync(messageId, async (target, ct) =>
        {
            await using var content = await store.OpenContentAsync(post, ct).ConfigureAwait(false);
            await content.CopyToAsync(target, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        // ReceivedAt restarts: the relay's retry period and the spool's retention count from the release.
        var envelope = post.ReadEnvelope() with
        {
            MessageId = messageId,
            SpoolBlob = spoolBlob,
            Size = size,
            ApprovedForList = post.List,
            ReceivedAt = time.GetUtcNow(),
            Attempt = 0,
            TargetAccountId = null,
            TargetDomain = null,
            TraceParent = null,
        };
        await transport.SendAsync(queues.Value.InboundQueue, new OutgoingMessage(messageId, EnvelopeSerializer.Serialize(envelope)), null, cancellationToken).ConfigureAwait(false);
        await FinishAsync(post, cancellationToken).ConfigureAwait(false);
        LogApproved(post.List, post.Id, messageId);
    }

    private async Task DropAsync(HeldPost post, bool expired, CancellationToken cancellationToken)
    {
        if (post.NotifyAddress is { } notify)
        {
            var list = await FindListAsync(post.List, cancellationToken).ConfigureAwait(false);
            var why = expired
                ? $"no moderator approved it within {options.Value.HeldPostLifetime.TotalDays:0.#} days"
                : "a moderator of the list discarded it";
            await TellPosterAsync(list, post, notify, "discarded", $"Your post to {list.Address} was not distributed", $"""
                Your message to {list.Address}
                  Subject: {post.Subject}
                was held for moderation ({post.Reason}) and has now been discarded: {why}.
                It did not reach the list's members.
                """, cancellationToken).ConfigureAwait(false);
        }

        await FinishAsync(post, cancellationToken).ConfigureAwait(false);
        LogDiscarded(post.List, post.Id, expired);
    }

    private Task TellPosterAsync(DistributionList list, HeldPost post, string notify, string what, string subject, string text, CancellationToken cancellationToken)
    {
        var id = $"held-{post.Id}-{what}";
        var message = ListNotice.Create(list, ListAddresses.Format(list.Address, ListCommand.Request), notify, subject, text, id, time.GetUtcNow());
        return mailer.SendAsync(list, id, message, [notify], cancellationToken);
    }

    private async Task FinishAsync(HeldPost post, CancellationToken cancellationToken)
    {
        await pending.RemoveAsync(post.List, post.ApproveToken, cancellationToken).ConfigureAwait(false);
        await pending.RemoveAsync(post.List, post.DiscardToken, cancellationToken).ConfigureAwait(false);
        await store.RemoveAsync(post, cancellationToken).ConfigureAwait(false);
    }

    private async Task SendOwnerNoticeAsync(DistributionList list, HeldPost post, IReadOnlyList<string> owners, CancellationToken cancellationToken)
    {
        var approve = ListAddresses.Format(list.Address, ListCommand.Confirm, post.ApproveToken);
        var discard = ListAddresses.Format(list.Address, ListCommand.Confirm, post.DiscardToken);
        var notice = ListNotice.Create(
            list,
            ListAddresses.Format(list.Address, ListCommand.Request),
            owners[0],
            $"{list.Address}: a post from {post.Poster} awaits approval: {post.Subject}",
            $"""
            A post to {list.Address} is held for moderation.

              From:    {(post.Poster.Length > 0 ? post.Poster : "(the null sender)")}
              Subject: {post.Subject}
              Why:     {post.Reason}

            To approve it, send any message to
              {approve}
            To discard it, send any message to
              {discard}
            Or on the command line: mailcloud list moderate {list.Address} approve|discard {post.Id}

            Unless decided by {Format(post.HeldAt + options.Value.HeldPostLifetime)}, it is discarded.
            The post is attached.
            """,
            $"held-{post.Id}-owners",
            time.GetUtcNow());
        notice.To.Clear();
        notice.To.AddRange(owners.Select(MailboxAddress.Parse));

        await using var content = await store.OpenContentAsync(post, cancellationToken).ConfigureAwait(false);
        var held = await MimeMessage.LoadAsync(content, persistent: true, cancellationToken).ConfigureAwait(false);
        notice.Body = new Multipart("mixed") { notice.Body!, new MessagePart { Message = held } };
        await mailer.SendAsync(list, $"held-{post.Id}-owners", notice, owners, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The list as the directory has it now; a list deleted while its posts waited still signs its last notices.</summary>
    private async Task<DistributionList> FindListAsync(string address, CancellationToken cancellationToken) =>
        (await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false)).FindList(address) ?? new DistributionList(address, [], PostingPolicy.Anyone, []);

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "List {List} holds {MessageId} as {HeldId} for moderation: {Reason}")]
    private partial void LogHeld(string list, string messageId, string heldId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "List {List} has no owners and its domain no postmaster: held post {HeldId} waits for `mailcloud list moderate`")]
    private partial void LogNoOwners(string list, string heldId);

    [LoggerMessage(Level = LogLevel.Information, Message = "List {List}: held post {HeldId} approved, released as {MessageId}")]
    private partial void LogApproved(string list, string heldId, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "List {List}: held post {HeldId} discarded (expired: {Expired})")]
    private partial void LogDiscarded(string list, string heldId, bool expired);
}
