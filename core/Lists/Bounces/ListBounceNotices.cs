using System.Globalization;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline.State;
using MimeKit;

namespace MailCloud.Core.Lists.Bounces;

/// <summary>
/// Tells a member (and the list's owners) that bounces disabled or removed them. Each notice is named by the
/// list, the member and when they were disabled, so a retried Route or sweep sends the same ids and
/// <see cref="ListMailer"/>'s deterministic ids drop the repeat.
/// </summary>
public sealed class ListBounceNotices(ListMailer mailer)
{
    public Task SendDisabledAsync(DistributionList list, DisabledMember disabled, BounceRecord record, BounceReport report, CancellationToken cancellationToken)
    {
        var reason = report.Diagnostic ?? report.Status ?? "a permanent delivery failure";
        var memberText =
            $"""
            Mail from the list {list.Address} to your address {disabled.Address} has bounced on {record.Score} post(s) since {Date(record.FirstBounce ?? disabled.Since)}.
            The last bounce said: {reason}

            You stay subscribed, but the list sends you nothing for now. Unless an owner enables you again, you will be
            removed from the list. To reach the owners, write to {ListAddresses.Format(list.Address, ListCommand.Owner)}.
            """;
        var ownerText =
            $"""
            The member {disabled.Address} of {list.Address} was disabled: their address bounced hard on {record.Score} post(s) since {Date(record.FirstBounce ?? disabled.Since)}.
            The last bounce said: {reason}

            Enable them again with: mailcloud list members {list.Address} enable {disabled.Address}
            """;
        return SendPairAsync(list, disabled, "disabled", $"Your subscription to {list.Address} is disabled", memberText, $"{disabled.Address} disabled on {list.Address} (bounces)", ownerText, cancellationToken);
    }

    public Task SendRemovedAsync(DistributionList list, DisabledMember disabled, CancellationToken cancellationToken)
    {
        var memberText =
            $"""
            Your address {disabled.Address} has been removed from the list {list.Address}: mail to it bounced, and it has been disabled since {Date(disabled.Since)}.
            """;
        var ownerText =
            $"""
            The member {disabled.Address} was removed from {list.Address}: disabled by bounces since {Date(disabled.Since)}.
            """;
        return SendPairAsync(list, disabled, "removed", $"You have been removed from {list.Address}", memberText, $"{disabled.Address} removed from {list.Address} (bounces)", ownerText, cancellationToken);
    }

    private async Task SendPairAsync(DistributionList list, DisabledMember disabled, string what, string memberSubject, string memberText, string ownerSubject, string ownerText, CancellationToken cancellationToken)
    {
        var key = PipelineMarkers.Hash($"{list.Address.ToLowerInvariant()}\n{disabled.Address.ToLowerInvariant()}\n{disabled.Since.UtcTicks}")[..24];
        await mailer.SendAsync(list, $"bounces-{what}-{key}-member", Notice(list, memberSubject, memberText, [disabled.Address]), [disabled.Address], cancellationToken).ConfigureAwait(false);
        if (list.Owners.Count > 0)
        {
            await mailer.SendAsync(list, $"bounces-{what}-{key}-owners", Notice(list, ownerSubject, ownerText, list.Owners), list.Owners, cancellationToken).ConfigureAwait(false);
        }
    }

    private static MimeMessage Notice(DistributionList list, string subject, string text, IEnumerable<string> to)
    {
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = text + "\n" } };
        message.From.Add(new MailboxAddress($"{list.Address} owners", ListAddresses.Format(list.Address, ListCommand.Owner)));
        message.To.AddRange(to.Select(MailboxAddress.Parse));
        return message;
    }

    private static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
