using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists.Moderation;
using MailCloud.Core.Lists.State;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Pipeline.Route;
using MailCloud.Core.Pipeline.State;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Core.Lists.Requests;

/// <summary>
/// Mail to a list's control addresses (Mailman's -request robot, mlmmj's -subscribe/-unsubscribe): joining and
/// leaving by double opt-in, one-click leaving with a member token, help, the owners' address, and the replies that
/// confirm one-time requests. Every change of membership waits for a reply to a one-time token mailed to the address
/// itself, so a forged request only ever sends that address one confirmation. It never answers robots
/// (<see cref="AutomaticMail"/>). Bounces are not its business. Route runs it again on a retry: replies are named by
/// the message and what they answer, tokens by what minted them, and each effect of a confirmation is idempotent,
/// so nothing happens twice.
/// </summary>
public sealed partial class ListRequestHandler(
    IMailDirectory directory,
    PendingRequestStore pending,
    HeldPostModerator moderator,
    ListMailer mailer,
    ListTokens tokens,
    ListLinks links,
    ISpool spool,
    IOptions<ListOptions> options,
    TimeProvider time,
    ILogger<ListRequestHandler> logger)
{
    /// <summary>How much of a -request@ message is read for a command in its first body line.</summary>
    private const int CommandScanBytes = 64 * 1024;

    public async Task HandleAsync(MessageEnvelope envelope, HeaderList headers, IReadOnlyList<ListControlDelivery> deliveries, DirectorySnapshot snapshot, CancellationToken cancellationToken)
    {
        foreach (var delivery in deliveries)
        {
            var list = delivery.List;
            var control = delivery.Control;
            if (control.Command == ListCommand.Bounces)
            {
                continue;
            }

            if (control.Command == ListCommand.Owner)
            {
                await ForwardToOwnersAsync(envelope, list, snapshot, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (AutomaticMail.IsAutomatic(envelope, headers))
            {
                LogIgnoredAutomatic(list.Address, control.Command, envelope.MessageId);
                continue;
            }

            var request = new Request(envelope.MessageId, list, Requester(envelope, headers));
            switch (control.Command)
            {
                case ListCommand.Subscribe:
                    await SubscribeAsync(request, cancellationToken).ConfigureAwait(false);
                    break;
                case ListCommand.Unsubscribe when control.Token is { } token && tokens.FindMember(ListTokenPurpose.Unsubscribe, list, token) is { } member:
                    // RFC 8058 §3.2's mailto twin: the token stands for the member, so no confirmation.
                    await RemoveMemberAsync(list, member, $"unsubscribed-{PipelineMarkers.Hash(envelope.MessageId + "\n" + token)}", cancellationToken).ConfigureAwait(false);
                    break;
                case ListCommand.Unsubscribe:
                    await UnsubscribeAsync(request, cancellationToken).ConfigureAwait(false);
                    break;
                case ListCommand.Confirm:
                    await ConfirmAsync(request, control.Token, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await RunCommandAsync(request, await ReadCommandAsync(envelope, headers, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    private Task RunCommandAsync(Request request, string? command, CancellationToken cancellationToken) => command switch
    {
        "subscribe" or "join" => SubscribeAsync(request, cancellationToken),
        "unsubscribe" or "leave" => UnsubscribeAsync(request, cancellationToken),
        _ => ReplyAsync(request, "help", $"Help for {request.List.Address}", HelpText(request.List), cancellationToken),
    };

    private async Task SubscribeAsync(Request request, CancellationToken cancellationToken)
    {
        var list = request.List;
        if (list.Settings.Subscription == SubscriptionPolicy.Closed)
        {
            await ReplyAsync(request, "closed", $"{list.Address} does not take subscriptions by mail", $"""
                {list.Address} does not take subscriptions by mail: its owners add its members.
                To ask them, write to {ListAddresses.Format(list.Address, ListCommand.Owner)}.
                """, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (list.HasMember(request.Address))
        {
            await ReplyAsync(request, "already-member", $"You are already subscribed to {list.Address}", $"""
                {request.Address} is already a member of {list.Address}; nothing was changed.

                {LeaveText(list, request.Address)}
                """, cancellationToken).ConfigureAwait(false);
            return;
        }

        var token = await MintAsync(request, PendingAction.Subscribe, cancellationToken).ConfigureAwait(false);
        await SendConfirmationAsync(request, token, $"""
            Someone, probably you, asked to subscribe {request.Address} to {list.Address}{About(list)}.

            To confirm, reply to this message, or send any message to
              {ListAddresses.Format(list.Address, ListCommand.Confirm, token)}
            {(list.Settings.Subscription == SubscriptionPolicy.Approve ? "An owner of the list then decides on your subscription.\n" : "")}
            If you did not ask for this, ignore this message: nothing happens, and the list will not write to you again.
            """, cancellationToken).ConfigureAwait(false);
    }

    private async Task UnsubscribeAsync(Request request, CancellationToken cancellationToken)
    {
        var list = request.List;
        if (!list.HasMember(request.Address))
        {
            // The answer goes to the address asked about, never to a third party: it tells its owner only.
            await ReplyAsync(request, "not-member", $"{request.Address} is not subscribed to {list.Address}", $"""
                {request.Address} is not a member of {list.Address}, so there is nothing to leave.
                If the list's posts reach you under another address, write from that one, or use the
                unsubscribe link in the List-Unsubscribe header of any post.
                """, cancellationToken).ConfigureAwait(false);
            return;
        }

        var token = await MintAsync(request, PendingAction.Unsubscribe, cancellationToken).ConfigureAwait(false);
        await SendConfirmationAsync(request, token, $"""
            Someone, probably you, asked to unsubscribe {request.Address} from {list.Address}.

            To confirm, reply to this message, or send any message to
              {ListAddresses.Format(list.Address, ListCommand.Confirm, token)}

            If you did not ask for this, ignore this message: you stay subscribed.
            """, cancellationToken).ConfigureAwait(false);
    }

    private async Task ConfirmAsync(Request request, string? token, CancellationToken cancellationToken)
    {
        var list = request.List;
        if (token is null || await pending.FindAsync(list.Address, token, cancellationToken).ConfigureAwait(false) is not { } take)
        {
            await ReplyAsync(request, "unknown-token", $"Confirmation for {list.Address} not found", $"""
                The confirmation you sent is unknown to {list.Address}: already used, expired, or mistyped.
                Nothing was changed.
                """, cancellationToken).ConfigureAwait(false);
            return;
        }

        var asked = take.Request;
        LogConfirmed(list.Address, asked.Action, asked.Address, request.MessageId);
        switch (asked.Action)
        {
            case PendingAction.Subscribe when list.Settings.Subscription == SubscriptionPolicy.Closed:
                await ReplyAsync(request with { Address = asked.Address }, "closed", $"{list.Address} no longer takes subscriptions by mail", $"""
                    {list.Address} closed its subscriptions while your request waited; nothing was changed.
                    """, cancellationToken).ConfigureAwait(false);
                break;
            case PendingAction.Subscribe when list.Settings.Subscription == SubscriptionPolicy.Approve:
                await AskOwnersAsync(list, asked, cancellationToken).ConfigureAwait(false);
                break;
            case PendingAction.Subscribe:
                await AddMemberAsync(list, asked.Address, asked.Token, cancellationToken).ConfigureAwait(false);
                break;
            case PendingAction.ApproveSubscription:
                await pending.RemoveAsync(list.Address, asked.Sibling ?? "", cancellationToken).ConfigureAwait(false);
                await AddMemberAsync(list, asked.Address, asked.Token, cancellationToken).ConfigureAwait(false);
                break;
            case PendingAction.RejectSubscription:
                await pending.RemoveAsync(list.Address, asked.Sibling ?? "", cancellationToken).ConfigureAwait(false);
                await SendAsync(list, $"declined-{asked.Token}", asked.Address, $"Your subscription to {list.Address} was declined",
                    $"An owner of {list.Address} declined to add {asked.Address} to the list.", cancellationToken).ConfigureAwait(false);
                break;
            case PendingAction.Unsubscribe:
                await RemoveMemberAsync(list, asked.Address, $"goodbye-{asked.Token}", cancellationToken).ConfigureAwait(false);
                break;
            case PendingAction.ApprovePost:
                LogModerated(list.Address, asked.HeldPostId, await moderator.ApproveAsync(list.Address, asked.HeldPostId ?? "", cancellationToken).ConfigureAwait(false));
                break;
            case PendingAction.DiscardPost:
                LogModerated(list.Address, asked.HeldPostId, await moderator.DiscardAsync(list.Address, asked.HeldPostId ?? "", cancellationToken).ConfigureAwait(false));
                break;
        }

        await pending.TakeAsync(take, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Subscription policy Approve: the applicant confirmed; the owners decide with two one-time addresses.</summary>
    private async Task AskOwnersAsync(DistributionList list, PendingRequest confirmed, CancellationToken cancellationToken)
    {
        var expires = time.GetUtcNow() + options.Value.ConfirmationLifetime;
        var approve = await pending.TokenForAsync(list.Address, $"approve-subscription\n{confirmed.Token}", expires, cancellationToken).ConfigureAwait(false);
        var reject = await pending.TokenForAsync(list.Address, $"reject-subscription\n{confirmed.Token}", expires, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        await pending.EnsureAsync(new PendingRequest(approve, PendingAction.ApproveSubscription, list.Address, confirmed.Address, now, expires) { Sibling = reject }, cancellationToken).ConfigureAwait(false);
        await pending.EnsureAsync(new PendingRequest(reject, PendingAction.RejectSubscription, list.Address, confirmed.Address, now, expires) { Sibling = approve }, cancellationToken).ConfigureAwait(false);

        var owners = ListOwners.RecipientsFor(list, await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false));
        if (owners.Count == 0)
        {
            LogNoOwners(list.Address, confirmed.Address);
        }
        else
        {
            var notice = ListNotice.Create(list, ListAddresses.Format(list.Address, ListCommand.Request), owners[0], $"{confirmed.Address} asks to join {list.Address}", $"""
                {confirmed.Address} confirmed that it wants to join {list.Address}, which needs an owner's approval.

                To approve, send any message to
                  {ListAddresses.Format(list.Address, ListCommand.Confirm, approve)}
                To decline, send any message to
                  {ListAddresses.Format(list.Address, ListCommand.Confirm, reject)}
                """, $"approval-{confirmed.Token}", now);
            notice.To.Clear();
            notice.To.AddRange(owners.Select(MailboxAddress.Parse));
            await mailer.SendAsync(list, $"approval-{confirmed.Token}", notice, owners, cancellationToken).ConfigureAwait(false);
        }

        await SendAsync(list, $"waiting-{confirmed.Token}", confirmed.Address, $"Your subscription to {list.Address} awaits approval",
            $"Thank you for confirming. An owner of {list.Address} now decides on adding {confirmed.Address}; you will hear either way.", cancellationToken).ConfigureAwait(false);
    }

    private async Task AddMemberAsync(DistributionList list, string address, string token, CancellationToken cancellationToken)
    {
        var updated = await directory.UpdateListAsync(list.Address, l => l.HasMember(address) ? l : l with { Members = [.. l.Members, address] }, cancellationToken).ConfigureAwait(false);
        LogJoined(list.Address, address);
        await SendAsync(updated, $"welcome-{token}", address, $"Welcome to {list.Address}", $"""
            {address} is now subscribed to {list.Address}{About(list)}.

            To post, write to {list.Address}.
            For help, write to {ListAddresses.Format(list.Address, ListCommand.Request)} with "help" as the subject.

            {LeaveText(updated, address)}
            """, cancellationToken).ConfigureAwait(false);
    }

    private async Task RemoveMemberAsync(DistributionList list, string address, string id, CancellationToken cancellationToken)
    {
        var key = EmailAddress.Parse(address).Key;
        bool Same(string stored) => EmailAddress.TryParse(stored, out var candidate) && candidate.Key == key;
        await directory.UpdateListAsync(list.Address, l => l with
        {
            Members = [.. l.Members.Where(m => !Same(m))],
            Disabled = [.. l.Disabled.Where(d => !Same(d.Address))],
        }, cancellationToken).ConfigureAwait(false);
        LogLeft(list.Address, address);
        await SendAsync(list, id, address, $"You have left {list.Address}", $"""
            {address} is no longer subscribed to {list.Address}.
            To join again, write to {ListAddresses.Format(list.Address, ListCommand.Subscribe)}.
            """, cancellationToken).ConfigureAwait(false);
    }

    private async Task ForwardToOwnersAsync(MessageEnvelope envelope, DistributionList list, DirectorySnapshot snapshot, CancellationToken cancellationToken)
    {
        var owners = ListOwners.RecipientsFor(list, snapshot);
        if (owners.Count == 0)
        {
            LogOwnerMailDropped(list.Address, envelope.MessageId);
            return;
        }

        await using var content = await spool.OpenReadAsync(envelope.SpoolBlob, cancellationToken).ConfigureAwait(false);
        var message = await MimeMessage.LoadAsync(content, persistent: true, cancellationToken).ConfigureAwait(false);
        await mailer.SendAsync(list, $"owner-{PipelineMarkers.Hash(envelope.MessageId + "\n" + ListStateKey.For(list.Address))}", message, owners, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> MintAsync(Request request, PendingAction action, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expires = now + options.Value.ConfirmationLifetime;
        var token = await pending.TokenForAsync(request.List.Address, $"{action}\n{request.MessageId}\n{EmailAddress.Parse(request.Address).Key}", expires, cancellationToken).ConfigureAwait(false);
        await pending.EnsureAsync(new PendingRequest(token, action, request.List.Address, request.Address, now, expires), cancellationToken).ConfigureAwait(false);
        return token;
    }

    /// <summary>A confirmation comes from the token's own address, so that replying is all it takes.</summary>
    private async Task SendConfirmationAsync(Request request, string token, string text, CancellationToken cancellationToken)
    {
        var message = ListNotice.Create(request.List, ListAddresses.Format(request.List.Address, ListCommand.Confirm, token), request.Address, $"confirm {token}", text, $"confirm-{token}", time.GetUtcNow());
        await mailer.SendAsync(request.List, $"confirm-{token}", message, [request.Address], cancellationToken).ConfigureAwait(false);
    }

    private Task ReplyAsync(Request request, string what, string subject, string text, CancellationToken cancellationToken) =>
        SendAsync(request.List, $"{what}-{PipelineMarkers.Hash($"{request.MessageId}\n{ListStateKey.For(request.List.Address)}\n{what}\n{request.Address.ToLowerInvariant()}")}", request.Address, subject, text, cancellationToken);

    private Task SendAsync(DistributionList list, string id, string to, string subject, string text, CancellationToken cancellationToken) =>
        mailer.SendAsync(list, id, ListNotice.Create(list, ListAddresses.Format(list.Address, ListCommand.Request), to, subject, text, id, time.GetUtcNow()), [to], cancellationToken);

    private string LeaveText(DistributionList list, string member) => $"""
        To leave, send any message to
          {ListAddresses.Format(list.Address, ListCommand.Unsubscribe, tokens.ForMember(ListTokenPurpose.Unsubscribe, list.Address, member))}
        or open {links.UnsubscribeUrl(list, member)}
        """;

    private static string HelpText(DistributionList list) => $"""
        {list.Address}{About(list)} understands these commands, as the subject or the first line of a message to
        {ListAddresses.Format(list.Address, ListCommand.Request)}:

          subscribe    join the list{(list.Settings.Subscription == SubscriptionPolicy.Closed ? " (closed: its owners add members)" : "; you confirm by replying")}
          unsubscribe  leave the list; you confirm by replying
          help         this text

        Or write to {ListAddresses.Format(list.Address, ListCommand.Subscribe)} or {ListAddresses.Format(list.Address, ListCommand.Unsubscribe)}.
        The owners of the list are at {ListAddresses.Format(list.Address, ListCommand.Owner)}.
        """;

    private static string About(DistributionList list) => list.Settings.Description is { } description ? $" ({description})" : "";

    /// <summary>Who is asking: the one Reply-To address, else the one From address, else the envelope sender.</summary>
    private static string Requester(MessageEnvelope envelope, HeaderList headers)
    {
        foreach (var field in new[] { "Reply-To", "From" })
        {
            if (headers[field] is { } value && InternetAddressList.TryParse(value, out var addresses)
                && addresses.Mailboxes.ToList() is [{ } mailbox] && EmailAddress.TryParse(mailbox.Address, out var address))
            {
                return address.ToString();
            }
        }

        return envelope.MailFrom;
    }

    /// <summary>A -request@ command: the first word of the Subject (past "Re:"), else of the first non-blank line of the text.</summary>
    private async Task<string?> ReadCommandAsync(MessageEnvelope envelope, HeaderList headers, CancellationToken cancellationToken)
    {
        if (FirstWord(headers["Subject"]) is { } fromSubject && IsCommand(fromSubject))
        {
            return fromSubject;
        }

        var head = await spool.ReadHeadAsync(envelope.SpoolBlob, CommandScanBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            using var bytes = new MemoryStream(head.Bytes.ToArray(), writable: false);
            var message = await MimeMessage.LoadAsync(bytes, cancellationToken).ConfigureAwait(false);
            var line = message.TextBody?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
            return FirstWord(line);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? FirstWord(string? text)
    {
        var words = (text ?? "").Split([' ', '\t', '\r', '\n', ':'], StringSplitOptions.RemoveEmptyEntries);
        var first = words.SkipWhile(w => w.Equals("re", StringComparison.OrdinalIgnoreCase)).FirstOrDefault();
        return first?.ToLowerInvariant();
    }

    private static bool IsCommand(string word) => word is "subscribe" or "join" or "unsubscribe" or "leave" or "help";

    /// <summary>A control message being answered: which message, for which list, from whom.</summary>
    private sealed record Request(string MessageId, DistributionList List, string Address);

    [LoggerMessage(Level = LogLevel.Information, Message = "List {List}: not answering automatic mail {MessageId} to its {Command} address")]
    private partial void LogIgnoredAutomatic(string list, ListCommand command, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "List {List}: {Action} for {Address} confirmed by {MessageId}")]
    private partial void LogConfirmed(string list, PendingAction action, string address, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "List {List}: {Address} joined")]
    private partial void LogJoined(string list, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "List {List}: {Address} left")]
    private partial void LogLeft(string list, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "List {List}: held post {HeldId} by mail: {Result}")]
    private partial void LogModerated(string list, string? heldId, ModerationResult result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "List {List} has no owners and its domain no postmaster: the subscription of {Address} waits for an administrator")]
    private partial void LogNoOwners(string list, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "List {List} has no owners and its domain no postmaster: mail {MessageId} to its owners is dropped")]
    private partial void LogOwnerMailDropped(string list, string messageId);
}
