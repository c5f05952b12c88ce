using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// Writes the ENVELOPE structure (RFC 9051 §7.5.2): date, subject, from, sender, reply-to, to,
/// cc, bcc, in-reply-to, message-id. Unstructured fields are given as they appear in the header
/// (encoded-words left alone, as Dovecot does); address display names are re-encoded as RFC 2047
/// words for clients without UTF-8.
/// </summary>
public static class EnvelopeWriter
{
    public static void Write(ImapResponseWriter writer, MimeMessage message)
    {
        var headers = message.Headers;
        writer.Raw('(');
        writer.NString(RawValue(headers, HeaderId.Date)).Raw(' ');
        writer.NString(RawValue(headers, HeaderId.Subject)).Raw(' ');
        WriteAddresses(writer, headers, HeaderId.From, null);
        writer.Raw(' ');

        // RFC 3501 §7.4.2, RFC 9051 §7.5.2: sender and reply-to default to from when absent or empty.
        WriteAddresses(writer, headers, HeaderId.Sender, HeaderId.From);
        writer.Raw(' ');
        WriteAddresses(writer, headers, HeaderId.ReplyTo, HeaderId.From);
        writer.Raw(' ');
        WriteAddresses(writer, headers, HeaderId.To, null);
        writer.Raw(' ');
        WriteAddresses(writer, headers, HeaderId.Cc, null);
        writer.Raw(' ');
        WriteAddresses(writer, headers, HeaderId.Bcc, null);
        writer.Raw(' ');
        writer.NString(RawValue(headers, HeaderId.InReplyTo)).Raw(' ');
        writer.NString(RawValue(headers, HeaderId.MessageId));
        writer.Raw(')');
    }

    /// <summary>A header's value as received, unfolded and trimmed; null when absent.</summary>
    public static string? RawValue(HeaderList headers, HeaderId id)
    {
        var header = headers.FirstOrDefault(h => h.Id == id);
        if (header is null)
        {
            return null;
        }

        return Encoding.UTF8.GetString(header.RawValue).Replace("\r\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
    }

    /// <summary>Encodes a non-ASCII phrase as RFC 2047 words unless the client accepts UTF-8.</summary>
    public static string? Phrase(ImapResponseWriter writer, string? value)
    {
        if (string.IsNullOrEmpty(value) || writer.Utf8Enabled || value.All(char.IsAscii))
        {
            return value;
        }

        return Encoding.ASCII.GetString(Rfc2047.EncodePhrase(Encoding.UTF8, value));
    }

    private static void WriteAddresses(ImapResponseWriter writer, HeaderList headers, HeaderId id, HeaderId? fallback)
    {
        var addresses = Addresses(headers, id);
        if (addresses.Count == 0 && fallback is { } from)
        {
            addresses = Addresses(headers, from);
        }

        if (addresses.Count == 0)
        {
            writer.Raw("NIL");
            return;
        }

        writer.Raw('(');
        foreach (var address in addresses)
        {
            WriteAddress(writer, address);
        }

        writer.Raw(')');
    }

    /// <summary>The addresses of the first field <paramref name="id"/>; none when it is absent, empty or unparsable.</summary>
    private static InternetAddressList Addresses(HeaderList headers, HeaderId id) =>
        headers.FirstOrDefault(h => h.Id == id) is { } header && InternetAddressList.TryParse(header.Value, out var addresses) ? addresses : [];

    /// <summary>address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"; groups per RFC 9051 §7.5.2.</summary>
    private static void WriteAddress(ImapResponseWriter writer, InternetAddress address)
    {
        switch (address)
        {
            case MailboxAddress mailbox:
                writer.Raw('(').NString(Phrase(writer, NullIfEmpty(mailbox.Name))).Raw(" NIL ");
                writer.NString(mailbox.LocalPart).Raw(' ');
                writer.NString(NullIfEmpty(mailbox.Domain)).Raw(')');
                break;
            case GroupAddress group:
                writer.Raw("(NIL NIL ").NString(Phrase(writer, group.Name)).Raw(" NIL)");
                foreach (var member in group.Members)
                {
                    WriteAddress(writer, member);
                }

                writer.Raw("(NIL NIL NIL NIL)");
                break;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
