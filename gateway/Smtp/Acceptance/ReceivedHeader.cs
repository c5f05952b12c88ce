using System.Globalization;
using System.Net;
using System.Text;

namespace MailCloud.Gateway.Smtp.Acceptance;

/// <summary>The trace header we prepend to every accepted message (RFC 5321 §4.4).</summary>
public static class ReceivedHeader
{
    /// <param name="with">The protocol keyword (RFC 3848, RFC 6531 §3.7.3): ESMTP, ESMTPS, ESMTPSA, UTF8SMTPS, ...</param>
    /// <param name="singleRecipient">Named in "for" only when it is the only one, so recipients do not learn of each other.</param>
    public static string Build(
        string helo,
        IPAddress client,
        string hostName,
        string with,
        string? tls,
        string messageId,
        string? singleRecipient,
        DateTimeOffset date)
    {
        var header = new StringBuilder(256);
        header.Append("Received: from ").Append(Sanitize(helo)).Append(" ([").Append(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).Append("])\r\n");
        header.Append("\tby ").Append(hostName).Append(" (MailCloud) with ").Append(with);
        if (tls is not null)
        {
            header.Append(" (").Append(tls).Append(')');
        }

        header.Append("\r\n\tid ").Append(messageId);
        if (singleRecipient is not null)
        {
            header.Append("\r\n\tfor <").Append(Sanitize(singleRecipient)).Append('>');
        }

        header.Append("; ").Append(date.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture))
            .Append(date.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal))
            .Append("\r\n");
        return header.ToString();
    }

    /// <summary>Client-supplied text goes into a header: keep it to printable characters that cannot break the structure.</summary>
    private static string Sanitize(string text) =>
        string.Concat(text.Where(c => !char.IsControl(c) && c is not ('(' or ')' or '<' or '>' or ';' or '\\')));
}
