using System.Text;
using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;

namespace MailCloud.Core.Pipeline.Route;

/// <summary>The list header fields added to mail a distribution list expands (RFC 2919 List-Id, RFC 2369 List-Post).</summary>
internal static class ListHeaders
{
    public static byte[] For(DistributionList list)
    {
        var address = EmailAddress.Parse(list.Address);
        // RFC 2919 §2: list-label "." list-id-namespace, here the list's local part under its domain.
        var label = new string(address.LocalPart.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-').ToArray());
        var headers = $"List-Id: <{label}.{address.Domain}>\r\n" +
                      $"List-Post: <mailto:{address}>\r\n" +
                      "Precedence: list\r\n";
        return Encoding.UTF8.GetBytes(headers);
    }
}
