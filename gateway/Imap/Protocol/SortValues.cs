using System.Text;
using MailCloud.Core.Mailboxes;
using MimeKit;
using MimeKit.Utils;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// What SORT compares (RFC 5256 §3), taken from the index row alone (the header fields the store
/// captured at append: decoded From, To, Cc, Subject and Date), never from the message's blob.
/// Strings compare with the i;ascii-casemap collation RFC 5256 §3 names (RFC 4790 §9.2: ASCII
/// letters upper-cased, then octet by octet, so "Émile" sorts after "Zed"; Dovecot's
/// i;unicode-casemap would put it among the E's); a missing field is the empty string.
/// </summary>
public readonly struct SortValue : IComparable<SortValue>, IEquatable<SortValue>
{
    private readonly long _number;
    private readonly byte[]? _text;

    private SortValue(long number, byte[]? text)
    {
        _number = number;
        _text = text;
    }

    public static SortValue Of(SortKey key, MessageSummary message)
    {
        var headers = message.Headers;
        return key switch
        {
            SortKey.Arrival => new(message.InternalDate.UtcTicks, null),

            // RFC 5256 §3: the sent date, in UTC; INTERNALDATE when Date is missing or unparsable.
            SortKey.Date => new(SentDate(headers?.Date, message.InternalDate).UtcTicks, null),
            SortKey.Size => new(message.Size, null),
            SortKey.Subject => Text(BaseSubject.Extract(headers?.Subject)),

            // RFC 5256 §3: the addr-mailbox (local part) of the first address.
            SortKey.From => Text(FirstMailbox(headers?.From)?.LocalPart),
            SortKey.To => Text(FirstMailbox(headers?.To)?.LocalPart),
            SortKey.Cc => Text(FirstMailbox(headers?.Cc)?.LocalPart),

            // RFC 5957 §3: the display-name of the first address, else its addr-spec.
            SortKey.DisplayFrom => Text(DisplayName(FirstMailbox(headers?.From))),
            SortKey.DisplayTo => Text(DisplayName(FirstMailbox(headers?.To))),
            _ => throw new ArgumentOutOfRangeException(nameof(key), key, null),
        };
    }

    public int CompareTo(SortValue other)
    {
        if (_text is null || other._text is null)
        {
            return _number.CompareTo(other._number);
        }

        return _text.AsSpan().SequenceCompareTo(other._text);
    }

    public bool Equals(SortValue other) => CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is SortValue other && Equals(other);

    public override int GetHashCode()
    {
        if (_text is null)
        {
            return _number.GetHashCode();
        }

        var hash = new HashCode();
        hash.AddBytes(_text);
        return hash.ToHashCode();
    }

    /// <summary>A string in i;ascii-casemap form: UTF-8 with a-z upper-cased.</summary>
    private static SortValue Text(string? value)
    {
        var bytes = Encoding.UTF8.GetBytes(value ?? "");
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] is >= (byte)'a' and <= (byte)'z')
            {
                bytes[i] -= 'a' - 'A';
            }
        }

        return new SortValue(0, bytes);
    }

    /// <summary>RFC 5256 §3 sent date: the Date field, or INTERNALDATE when it is missing or unparsable.</summary>
    public static DateTimeOffset SentDate(string? date, DateTimeOffset internalDate) =>
        date is not null && DateUtils.TryParse(date, out var sent) ? sent : internalDate;

    private static MailboxAddress? FirstMailbox(string? field) =>
        field is not null && InternetAddressList.TryParse(field, out var addresses) ? addresses.Mailboxes.FirstOrDefault() : null;

    private static string? DisplayName(MailboxAddress? mailbox) =>
        mailbox is null ? null : string.IsNullOrEmpty(mailbox.Name) ? mailbox.Address : mailbox.Name;
}
