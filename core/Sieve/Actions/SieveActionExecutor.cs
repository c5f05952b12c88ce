using MailCloud.Core.Addresses;
using MailCloud.Core.Configuration;
using MailCloud.Core.Diagnostics;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Naming;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Pipeline.Deliver;
using MailCloud.Core.Pipeline.Relay;
using MailCloud.Core.Pipeline.Route;
using MailCloud.Core.Pipeline.State;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Core.Sieve.Actions;

/// <summary>One delivery a script ran on: the message (one recipient), its account and the directory it was routed with.</summary>
public sealed record SieveDelivery(MessageEnvelope Envelope, Account Account, DirectorySnapshot Directory, SpoolHead? Head);

/// <summary>
/// Carries out a <see cref="SieveResult"/> for one delivery. Filing comes first (a full mailbox then bounces
/// before anything is sent); messages it sends go to the spool and "inbound" as bounces do, under ids derived
/// from the delivery and with markers written after the send, so a retried delivery sends nothing twice.
/// Whatever fails, or is not allowed (a redirect loop, the redirect limit), leaves the message in INBOX:
/// nothing is lost (RFC 5228 §2.10.6).
/// </summary>
public sealed partial class SieveActionExecutor(
    MailboxFiler filer,
    IMailboxStore mailboxes,
    ISpool spool,
    IQueueTransport transport,
    PipelineMarkers markers,
    SenderRewritingScheme srs,
    VacationMemory vacations,
    IOptions<SieveOptions> options,
    IOptions<PipelineOptions> pipeline,
    IOptions<QueueingOptions> queues,
    TimeProvider time,
    ILogger<SieveActionExecutor> logger)
{
    /// <summary>The trace field a redirect adds (Pigeonhole's name), by which a redirect loop is recognised.</summary>
    public const string RedirectedFromHeader = "X-Sieve-Redirected-From";

    /// <exception cref="MailboxQuotaExceededException">The account is full: the caller bounces.</exception>
    public async Task ExecuteAsync(SieveDelivery delivery, SieveResult result, CancellationToken cancellationToken)
    {
        using var activity = MailCloudTelemetry.Source.StartActivity("sieve.execute");
        activity?.SetTag("mailcloud.sieve.actions", result.Actions.Count);
        var context = new Context(delivery);
        var keepInInbox = false;

        // RFC 5228 §2.10.3: filing the same message into one folder twice files it once (flags joined).
        var filings = new Dictionary<string, (FileAction Action, HashSet<string> Flags)>(StringComparer.Ordinal);
        foreach (var file in result.Actions.OfType<FileAction>())
        {
            string folder;
            try
            {
                folder = FolderName.Normalize(file.Folder);
            }
            catch (InvalidFolderNameException)
            {
                LogInvalidFolder(delivery.Envelope.MessageId, file.Folder);
                keepInInbox = true;
                continue;
            }

            if (!filings.TryGetValue(folder, out var filing))
            {
                filing = (file, new HashSet<string>(StringComparer.OrdinalIgnoreCase));
                filings[folder] = filing;
            }

            filing.Flags.UnionWith(file.Flags);
            if (file.Create && !filing.Action.Create)
            {
                filings[folder] = (file, filing.Flags);
            }
        }

        foreach (var (folder, (action, flags)) in filings)
        {
            keepInInbox |= !await TryFileAsync(context, folder, action.Create, ToMessageFlags(flags), cancellationToken).ConfigureAwait(false);
        }

        foreach (var action in result.Actions)
        {
            try
            {
                switch (action)
                {
                    case RedirectAction redirect:
                        keepInInbox |= !await RedirectAsync(context, redirect, cancellationToken).ConfigureAwait(false);
                        break;
                    case RejectAction reject:
                        await RejectAsync(context, reject, cancellationToken).ConfigureAwait(false);
                        break;
                    case VacationAction vacation:
                        await VacationAsync(context, vacation, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException and not SpoolMessageNotFoundException)
            {
                LogActionFailed(e, delivery.Envelope.MessageId, delivery.Account.Id, action.GetType().Name);
                keepInInbox = true;
            }
        }

        if (keepInInbox && !filings.ContainsKey(FolderName.Inbox))
        {
            // The implicit keep: storage trouble here throws, and the stage is retried.
            await FileAsync(context, FolderName.Inbox, MessageFlags.Empty, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The key of one delivery into one folder: INBOX keeps the delivery's own key, so a keep and a fallback to INBOX file once.</summary>
    public static string IdempotencyKey(string messageId, string accountId, string folder) =>
        folder == FolderName.Inbox
            ? MailboxDelivery.IdempotencyKey(messageId, accountId)
            : $"{MailboxDelivery.IdempotencyKey(messageId, accountId)}:{PipelineMarkers.Hash(folder)}";

    /// <summary>RFC 5232 §3: <c>\Seen</c> and the other system flags; anything else a keyword (\Recent cannot be set).</summary>
    public static MessageFlags ToMessageFlags(IEnumerable<string> flags)
    {
        var system = SystemFlags.None;
        var keywords = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var flag in flags)
        {
            switch (flag.ToLowerInvariant())
            {
                case "\\seen": system |= SystemFlags.Seen; break;
                case "\\answered": system |= SystemFlags.Answered; break;
                case "\\flagged": system |= SystemFlags.Flagged; break;
                case "\\deleted": system |= SystemFlags.Deleted; break;
                case "\\draft": system |= SystemFlags.Draft; break;
                default:
                    // RFC 9051 §9 flag-keyword is an atom: no backslash, space or specials.
                    if (flag.Length > 0 && flag.All(c => c > ' ' && c < 127 && "(){%*\"\\]".IndexOf(c) < 0))
                    {
                        keywords.Add(flag);
                    }

                    break;
            }
        }

        return new MessageFlags(system, keywords);
    }

    private async Task<bool> TryFileAsync(Context context, string folder, bool create, MessageFlags flags, CancellationToken cancellationToken)
    {
        var accountId = context.Delivery.Account.Id;
        try
        {
            if (create && folder != FolderName.Inbox)
            {
                try
                {
                    // RFC 5490 §3.2: :create makes the folder first.
                    await mailboxes.CreateFolderAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
                }
                catch (FolderAlreadyExistsException)
                {
                }
            }

            await FileAsync(context, folder, flags, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is FolderNotFoundException or InvalidFolderNameException or FolderLimitExceededException or FolderOperationNotAllowedException)
        {
            LogFolderRefused(context.Delivery.Envelope.MessageId, accountId, folder, e.Message);
            return false;
        }
    }

    private async Task FileAsync(Context context, string folder, MessageFlags flags, CancellationToken cancellationToken)
    {
        var envelope = context.Delivery.Envelope;
        // RFC 7489 §6.3: quarantined mail kept "in INBOX" stays in Junk.
        var target = folder == FolderName.Inbox && envelope.Authentication is { Quarantine: true } ? MailboxDelivery.QuarantineFolder : folder;
        var key = IdempotencyKey(envelope.MessageId, context.Delivery.Account.Id, folder);
        var result = await filer.FileAsync(envelope, context.Delivery.Account, target, flags, key, context.Delivery.Head, cancellationToken).ConfigureAwait(false);
        LogFiled(envelope.MessageId, context.Delivery.Account.Id, target, result.Uid, result.AlreadyDelivered);
    }

    /// <summary>RFC 5228 §4.2: true when sent (or sent before); false when not allowed, so the message is kept instead.</summary>
    private async Task<bool> RedirectAsync(Context context, RedirectAction redirect, CancellationToken cancellationToken)
    {
        var (envelope, account, directory, _) = context.Delivery;
        if (!EmailAddress.TryParse(redirect.Address, out var target))
        {
            LogRedirectRefused(envelope.MessageId, account.Id, redirect.Address, "not an address");
            return false;
        }

        var headers = await context.HeadersAsync(spool, cancellationToken).ConfigureAwait(false);
        var owned = directory.AddressesOwnedBy(account).Select(a => EmailAddress.Parse(a).Key).ToHashSet(StringComparer.Ordinal);
        if (headers.Where(h => h.Field.Equals(RedirectedFromHeader, StringComparison.OrdinalIgnoreCase))
            .Any(h => EmailAddress.TryParse(h.Value.Trim().Trim('<', '>'), out var a) && owned.Contains(a.Key)))
        {
            LogRedirectRefused(envelope.MessageId, account.Id, redirect.Address, "it already passed through this account's redirect (loop)");
            return false;
        }

        var id = $"redirect-{PipelineMarkers.Hash($"{envelope.MessageId}\n{account.Id}\n{target.Key}")}";
        var marker = $"sieve/redirect/{PipelineMarkers.Hash(account.Id)}/{time.GetUtcNow():yyyyMMdd}/{id}";
        if (await markers.ExistsAsync(marker, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        var dayPrefix = marker[..(marker.LastIndexOf('/') + 1)];
        // Concurrent deliveries may each see the last free slot: the limit is a guard against runaway scripts, not exact.
        if (await markers.CountAsync(dayPrefix, cancellationToken).ConfigureAwait(false) >= options.Value.RedirectsPerAccountPerDay)
        {
            LogRedirectRefused(envelope.MessageId, account.Id, redirect.Address, $"the account's {options.Value.RedirectsPerAccountPerDay} redirects a day are used up");
            return false;
        }

        // RFC 5228 §4.2 and RFC 5321 §3.9: the original sender stays, rewritten with SRS (as alias forwarding does) when the target is remote and the sender not ours.
        var mailFrom = envelope.MailFrom;
        if (!directory.IsHostedDomain(target.Domain) && EmailAddress.TryParse(mailFrom, out var sender) && !directory.IsHostedDomain(sender.Domain))
        {
            mailFrom = srs.Forward(mailFrom, EmailAddress.Parse(account.Address).Domain);
        }

        var trace = System.Text.Encoding.UTF8.GetBytes($"{RedirectedFromHeader}: {account.Address}\r\nDelivered-To: {account.Address}\r\n");
        var (spoolBlob, size) = await spool.WriteAsync(id, async (stream, ct) =>
        {
            await using var content = new PrefixedStream(trace, await spool.OpenReadAsync(envelope.SpoolBlob, ct).ConfigureAwait(false));
            await content.CopyToAsync(stream, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        await QueueAsync(id, spoolBlob, size, mailFrom, target.ToString(), envelope, cancellationToken).ConfigureAwait(false);
        await markers.TryCreateAsync(marker, cancellationToken).ConfigureAwait(false);
        LogRedirected(envelope.MessageId, account.Id, target.ToString(), id);
        return true;
    }

    /// <summary>RFC 5429 §2.1: an MDN to the sender (never to the null sender or an automatic message). Nothing is filed either way.</summary>
    private async Task RejectAsync(Context context, RejectAction reject, CancellationToken cancellationToken)
    {
        var (envelope, account, _, _) = context.Delivery;
        var headers = await context.HeadersAsync(spool, cancellationToken).ConfigureAwait(false);
        if (envelope.IsBounce || AutomaticMail.IsAutoSubmitted(headers))
        {
            LogNotAnswering(envelope.MessageId, account.Id, "reject", "null sender or Auto-Submitted");
            return;
        }

        var id = $"reject-{PipelineMarkers.Hash($"{envelope.MessageId}\n{account.Id}")}";
        var marker = $"sieve/reject/{id}";
        if (await markers.ExistsAsync(marker, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var mdn = SieveReplies.Reject(headers, envelope.MailFrom, account.Address, reject.Reason, pipeline.Value.HostName, $"{id}@{pipeline.Value.HostName}", time.GetUtcNow());
        await SendGeneratedAsync(id, mdn, envelope.MailFrom, envelope, cancellationToken).ConfigureAwait(false);
        await markers.TryCreateAsync(marker, cancellationToken).ConfigureAwait(false);
        LogRejected(envelope.MessageId, account.Id, envelope.MailFrom, id);
    }

    /// <summary>RFC 5230 §4 and RFC 3834: answers when every rule allows it, once per sender, handle and period.</summary>
    private async Task VacationAsync(Context context, VacationAction vacation, CancellationToken cancellationToken)
    {
        var (envelope, account, directory, _) = context.Delivery;
        var headers = await context.HeadersAsync(spool, cancellationToken).ConfigureAwait(false);
        var owned = directory.AddressesOwnedBy(account).Concat(vacation.Addresses).ToList();
        if (WhyNotAnswer(envelope, headers, account, directory, owned) is { } reason)
        {
            LogNotAnswering(envelope.MessageId, account.Id, "vacation", reason);
            return;
        }

        var now = time.GetUtcNow();
        var sender = EmailAddress.Parse(envelope.MailFrom).ToString();
        if (await vacations.WasAnsweredAsync(account.Id, vacation.Handle, sender, now, cancellationToken).ConfigureAwait(false))
        {
            LogNotAnswering(envelope.MessageId, account.Id, "vacation", "answered within the period");
            return;
        }

        // RFC 5230 §4.4: :from only when it is one of the user's addresses.
        var from = account.Address;
        if (vacation.From is { } wanted && MailboxAddress.TryParse(wanted, out var mailbox)
            && EmailAddress.TryParse(mailbox.Address, out var fromAddress) && directory.IsOwnedBy(account, fromAddress))
        {
            from = mailbox.ToString();
        }

        var id = $"vacation-{PipelineMarkers.Hash($"{envelope.MessageId}\n{account.Id}\n{vacation.Handle}")}";
        var reply = SieveReplies.Vacation(headers, vacation, from, sender, $"{id}@{pipeline.Value.HostName}", now);
        await SendGeneratedAsync(id, reply, sender, envelope, cancellationToken).ConfigureAwait(false);
        await vacations.RememberAsync(account.Id, vacation.Handle, sender, now + vacation.Period, cancellationToken).ConfigureAwait(false);
        LogVacationSent(envelope.MessageId, account.Id, sender, id);
    }

    /// <summary>Why a vacation must not answer (RFC 5230 §4.5, §4.6; RFC 3834 §2), or null when it may.</summary>
    private static string? WhyNotAnswer(MessageEnvelope envelope, HeaderList headers, Account account, DirectorySnapshot directory, IReadOnlyList<string> owned)
    {
        if (envelope.IsBounce || !EmailAddress.TryParse(envelope.MailFrom, out var sender))
        {
            return "null sender";
        }

        if (AutomaticMail.IsAutoSubmitted(headers))
        {
            return "Auto-Submitted";
        }

        if (AutomaticMail.IsBulk(headers))
        {
            return "Precedence";
        }

        if (headers.Any(h => h.Field.StartsWith("List-", StringComparison.OrdinalIgnoreCase)))
        {
            return "a mailing list";
        }

        var local = sender.LocalPart.ToLowerInvariant();
        if (local is "mailer-daemon" or "listserv" or "majordomo" || local.StartsWith("owner-", StringComparison.Ordinal) || local.EndsWith("-request", StringComparison.Ordinal))
        {
            return "an automatic sender";
        }

        var ownedKeys = owned.Select(a => EmailAddress.TryParse(a, out var x) ? x.Key : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
        bool IsUsers(EmailAddress address) =>
            ownedKeys.Contains(address.Key) || directory.IsOwnedBy(account, address) || address.WithoutSubaddress() is { } plain && ownedKeys.Contains(plain.Key);

        if (IsUsers(sender))
        {
            return "mail from the user";
        }

        var recipients = headers
            .Where(h => h.Id is HeaderId.To or HeaderId.Cc or HeaderId.Bcc or HeaderId.ResentTo or HeaderId.ResentCc or HeaderId.ResentBcc)
            .SelectMany(h => InternetAddressList.TryParse(h.Value, out var list) ? list.Mailboxes : [])
            .Select(m => EmailAddress.TryParse(m.Address, out var a) ? a : (EmailAddress?)null)
            .OfType<EmailAddress>();
        return recipients.Any(IsUsers) ? null : "none of the user's addresses is a recipient";
    }

    /// <summary>Writes a message we generated and queues it with the null reverse-path (RFC 3834 §3.3), as a bounce is.</summary>
    private async Task SendGeneratedAsync(string id, MimeMessage message, string to, MessageEnvelope original, CancellationToken cancellationToken)
    {
        var (spoolBlob, size) = await spool.WriteAsync(id, (stream, ct) => message.WriteToAsync(stream, ct), cancellationToken).ConfigureAwait(false);
        await QueueAsync(id, spoolBlob, size, "", to, original with { Authentication = null }, cancellationToken).ConfigureAwait(false);
    }

    private Task QueueAsync(string id, string spoolBlob, long size, string mailFrom, string to, MessageEnvelope original, CancellationToken cancellationToken)
    {
        var envelope = new MessageEnvelope
        {
            MessageId = id,
            SpoolBlob = spoolBlob,
            MailFrom = mailFrom,
            Recipients = [new EnvelopeRecipient { Address = to, Notify = mailFrom.Length == 0 ? DsnNotify.Never : null }],
            ReceivedFrom = new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = pipeline.Value.HostName, Listener = DkimMessageSigner.ReceivedFromPipeline },
            ReceivedAt = time.GetUtcNow(),
            Size = size,
            BodyType = MessageBodyType.EightBitMime,
            SmtpUtf8 = original.SmtpUtf8,
            Authentication = original.Authentication,
        };
        return transport.SendAsync(queues.Value.InboundQueue, new OutgoingMessage(id, EnvelopeSerializer.Serialize(envelope)), null, cancellationToken);
    }

    /// <summary>The header of the message, read once when an action first needs it.</summary>
    private sealed class Context(SieveDelivery delivery)
    {
        private HeaderList? _headers;

        public SieveDelivery Delivery { get; } = delivery;

        public async Task<HeaderList> HeadersAsync(ISpool spool, CancellationToken cancellationToken) =>
            _headers ??= (await spool.ReadHeadAndHeadersAsync(Delivery.Envelope.SpoolBlob, cancellationToken).ConfigureAwait(false)).Headers;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sieve filed {MessageId} for account {AccountId} into {Folder} as UID {Uid} (already delivered: {AlreadyDelivered})")]
    private partial void LogFiled(string messageId, string accountId, string folder, uint uid, bool alreadyDelivered);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sieve: {MessageId} not filed into {Folder}, an invalid folder name; kept in INBOX")]
    private partial void LogInvalidFolder(string messageId, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sieve: {MessageId} for account {AccountId} not filed into {Folder} ({Reason}); kept in INBOX")]
    private partial void LogFolderRefused(string messageId, string accountId, string folder, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sieve: carrying out {Action} on {MessageId} for account {AccountId} failed; the message is kept in INBOX")]
    private partial void LogActionFailed(Exception exception, string messageId, string accountId, string action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sieve: {MessageId} for account {AccountId} not redirected to {Target}: {Reason}; kept in INBOX")]
    private partial void LogRedirectRefused(string messageId, string accountId, string target, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sieve redirected {MessageId} for account {AccountId} to {Target} as {RedirectId}")]
    private partial void LogRedirected(string messageId, string accountId, string target, string redirectId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sieve rejected {MessageId} for account {AccountId}: MDN to {Sender} queued as {MdnId}")]
    private partial void LogRejected(string messageId, string accountId, string sender, string mdnId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sieve vacation reply to {Sender} for {MessageId} (account {AccountId}) queued as {ReplyId}")]
    private partial void LogVacationSent(string messageId, string accountId, string sender, string replyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sieve: {Action} for {MessageId} (account {AccountId}) sends nothing: {Reason}")]
    private partial void LogNotAnswering(string messageId, string accountId, string action, string reason);
}
