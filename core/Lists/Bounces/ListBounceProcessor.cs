using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Pipeline.Route;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Lists.Bounces;

/// <summary>
/// Mail to <c>&lt;list&gt;-bounces+&lt;token&gt;@</c>, the VERP envelope sender of list mail: the token names the
/// member, the bounce says whether it is hard. Each post that bounced hard counts once; a member whose
/// bounces reach <see cref="ListOptions.BouncedPostsToDisable"/> posts, or span
/// <see cref="ListOptions.BouncingPeriodToDisable"/>, is disabled and told (with the owners). A bounce to the
/// bare <c>-bounces@</c> (the list's own notices) or with a token no member has is dropped: nobody to score.
/// Route runs again on a retry: the post is recorded once, disabling is a no-op the second time, and the
/// notices keep their ids.
/// </summary>
public sealed partial class ListBounceProcessor(
    IMailDirectory directory,
    ISpool spool,
    ListTokens tokens,
    ListBounceStore store,
    ListBounceNotices notices,
    IOptions<ListOptions> options,
    TimeProvider time,
    ILogger<ListBounceProcessor> logger)
{
    public async Task HandleAsync(MessageEnvelope envelope, ListControlDelivery bounce, CancellationToken cancellationToken)
    {
        var list = bounce.List;
        if (bounce.Control.Token is not { } token)
        {
            LogBareBounce(envelope.MessageId, list.Address);
            return;
        }

        if (!ListTokens.IsWellFormed(token) || tokens.FindMember(ListTokenPurpose.Bounce, list, token) is not { } member)
        {
            LogUnknownToken(envelope.MessageId, list.Address);
            return;
        }

        BounceReport report;
        string? bounceId;
        try
        {
            var message = await spool.ReadMessageAsync(envelope.SpoolBlob, cancellationToken).ConfigureAwait(false);
            report = BounceParser.Parse(message);
            bounceId = message.MessageId;
        }
        catch (SpoolMessageNotFoundException)
        {
            LogContentGone(envelope.MessageId, list.Address);
            return;
        }

        if (report.Severity != BounceSeverity.Hard)
        {
            LogNotScored(envelope.MessageId, list.Address, member, report.Severity);
            return;
        }

        var settings = options.Value;
        var now = time.GetUtcNow();
        // The post it is about, when the bounce names it; else each bounce stands for a post of its own.
        var postId = report.OriginalMessageId ?? bounceId ?? envelope.MessageId;
        var record = await store.RecordAsync(list.Address, member, postId, now, now - settings.BounceMemory, cancellationToken).ConfigureAwait(false);
        LogHardBounce(envelope.MessageId, list.Address, member, report.Status, record.Score);
        if (!ReachedLimit(record, settings))
        {
            return;
        }

        DistributionList changed;
        try
        {
            changed = await directory.UpdateListAsync(list.Address, current =>
                !current.HasMember(member) || current.IsDisabled(member)
                    ? current
                    : current with { Disabled = [.. current.Disabled, new DisabledMember(member, now, DisabledReason.Bounces)] },
                cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryException)
        {
            // The list was removed after the snapshot: nobody left to disable.
            return;
        }

        var memberKey = EmailAddress.Parse(member).Key;
        if (changed.Disabled.FirstOrDefault(d => EmailAddress.Parse(d.Address).Key == memberKey) is { Reason: DisabledReason.Bounces } disabled)
        {
            LogDisabled(list.Address, member, record.Score);
            await notices.SendDisabledAsync(changed, disabled, record, report, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Enough distinct posts bounced, or the bounces span long enough (at least two, so one bounce is never a period).</summary>
    public static bool ReachedLimit(BounceRecord record, ListOptions settings) =>
        record.Score >= settings.BouncedPostsToDisable
        || (record.Score >= 2 && record.LastBounce - record.FirstBounce >= settings.BouncingPeriodToDisable);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped {MessageId} to the bare bounce address of {List}: a bounce of the list's own notice")]
    private partial void LogBareBounce(string messageId, string list);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {MessageId} to a bounce address of {List}: its token names no member")]
    private partial void LogUnknownToken(string messageId, string list);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped bounce {MessageId} for {List}: its spool blob is gone")]
    private partial void LogContentGone(string messageId, string list);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bounce {MessageId} for {Member} of {List} is {Severity}: not scored")]
    private partial void LogNotScored(string messageId, string list, string member, BounceSeverity severity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hard bounce {MessageId} for {Member} of {List} (status {Status}): {Score} post(s) bounced")]
    private partial void LogHardBounce(string messageId, string list, string member, string? status, int score);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disabled {Member} of {List} after {Score} bounced post(s)")]
    private partial void LogDisabled(string list, string member, int score);
}
