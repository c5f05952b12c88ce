using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MimeKit;

namespace MailCloud.Core.Lists.Requests;

/// <summary>The plain-text messages a list writes itself (confirmations, welcomes, refusals, notices).</summary>
public static class ListNotice
{
    /// <summary>A message from <paramref name="from"/> (one of the list's addresses) with a stable Message-ID for <paramref name="id"/>.</summary>
    public static MimeMessage Create(DistributionList list, string from, string to, string subject, string text, string id, DateTimeOffset date)
    {
        var message = new MimeMessage { Subject = subject, Date = date, MessageId = $"list-{id}@{EmailAddress.Parse(list.Address).Domain}" };
        message.From.Add(new MailboxAddress(DisplayName(list), from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Body = new TextPart("plain") { Text = text };
        return message;
    }

    /// <summary>The list as it signs its messages: its description, else its address.</summary>
    public static string DisplayName(DistributionList list) => list.Settings.Description ?? list.Address;
}
