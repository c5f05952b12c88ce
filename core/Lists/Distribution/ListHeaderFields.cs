using System.Text;
using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Queueing;
using MimeKit;
using MimeKit.Utils;

namespace MailCloud.Core.Lists.Distribution;

/// <summary>
/// The header fields list mail carries. The list copy gets the ones every member shares: List-Id (RFC 2919),
/// List-Post, List-Help, List-Owner, List-Subscribe, List-Archive (RFC 2369), List-Unsubscribe-Post (RFC 8058)
/// and Precedence: list. Each member's copy gets its own List-Unsubscribe when it is sent or filed.
/// </summary>
public sealed class ListHeaderFields(ListLinks links)
{
    /// <summary>What a list replaces on a post it distributes: a post relayed from another list arrives with that list's fields.</summary>
    public static bool IsReplaced(Header header) =>
        header.Field.StartsWith("List-", StringComparison.OrdinalIgnoreCase) || header.Field.Equals("Precedence", StringComparison.OrdinalIgnoreCase);

    /// <summary>The list copy's fields, in the order they are prepended.</summary>
    public IReadOnlyList<Header> For(DistributionList list) => [.. Lines(list).Select(Parse)];

    /// <summary>The same fields as raw text, for a post MimeKit cannot read, which travels as it came with only these prepended.</summary>
    public byte[] RawFor(DistributionList list) => Encoding.UTF8.GetBytes(string.Concat(Lines(list)));

    /// <summary>The delivery record of one member's copy: whose it is and the List-Unsubscribe it carries.</summary>
    public ListDelivery ForMember(DistributionList list, string member) => new()
    {
        List = list.Address,
        Member = member,
        // RFC 8058 §3.1: the https URI is the one a one-click POST goes to; RFC 2369 §2: each URI in angle brackets.
        Unsubscribe = $"<{links.UnsubscribeUrl(list, member)}>,\r\n <{links.UnsubscribeMailto(list, member)}>",
    };

    /// <summary>The member's own field as a header line (folded, CRLF-terminated), prepended to the list copy.</summary>
    public static string MemberLine(ListDelivery delivery) => $"List-Unsubscribe: {delivery.Unsubscribe}\r\n";

    /// <summary>Puts the member's own field at the top of <paramref name="message"/>, before it is signed.</summary>
    public static void PrependMemberFields(MimeMessage message, ListDelivery delivery) => message.Headers.Insert(0, Parse(MemberLine(delivery)));

    private IEnumerable<string> Lines(DistributionList list)
    {
        var address = EmailAddress.Parse(list.Address);
        var settings = list.Settings;

        // RFC 2919 §2: list-label "." list-id-namespace, here the list's local part under its domain; the phrase describes the list.
        var label = new string(address.LocalPart.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-').ToArray());
        var phrase = settings.Description is { Length: > 0 } description ? Encoding.ASCII.GetString(Rfc2047.EncodePhrase(FormatOptions.Default, Encoding.UTF8, description)) + " " : "";
        yield return $"List-Id: {phrase}<{label}.{address.Domain}>\r\n";
        yield return $"List-Post: <mailto:{address}>\r\n";
        yield return $"List-Help: <mailto:{ListAddresses.Format(list.Address, ListCommand.Request)}?subject=help>\r\n";
        yield return $"List-Owner: <mailto:{ListAddresses.Format(list.Address, ListCommand.Owner)}>\r\n";
        if (settings.Subscription != SubscriptionPolicy.Closed)
        {
            yield return $"List-Subscribe: <mailto:{ListAddresses.Format(list.Address, ListCommand.Subscribe)}>\r\n";
        }

        if (settings.Archive)
        {
            yield return $"List-Archive: <{links.ArchiveUrl(list)}>\r\n";
        }

        // RFC 8058 §3.1: the same for every member; the member's List-Unsubscribe comes at send time.
        yield return "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
        yield return "Precedence: list\r\n";
    }

    /// <summary>A field from text we built (valid by construction), so MimeKit keeps it exactly as written.</summary>
    private static Header Parse(string line) =>
        Header.TryParse(line, out var header) ? header : throw new FormatException($"Not a header line: {line}");
}
