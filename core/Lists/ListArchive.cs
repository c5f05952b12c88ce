using System.Security.Cryptography;
using System.Text;
using MailCloud.Core.Addresses;

namespace MailCloud.Core.Lists;

/// <summary>
/// Where a list keeps its posts: a mailbox of its own (an account id derived from the list address, never
/// from user input in a blob path), shown to members over IMAP in the shared namespace "#lists/" (RFC 2342)
/// as <c>#lists/&lt;list address&gt;</c>, read-only. The "#" keeps it apart from personal folders: "Lists" is a folder
/// people make for their list mail, and clients resolve a name that is a namespace's to the namespace.
/// </summary>
public static class ListArchive
{
    /// <summary>The IMAP shared namespace prefix the archives appear under.</summary>
    public const string NamespacePrefix = "#lists/";

    public const char HierarchyDelimiter = '/';

    /// <summary>The folder of the archive in the archive's own mailbox.</summary>
    public const string Folder = "INBOX";

    /// <summary>The mailbox-store account id that holds the archive of <paramref name="listAddress"/>.</summary>
    public static string AccountIdFor(string listAddress) =>
        "list-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(EmailAddress.Parse(listAddress).Key)))[..24];

    /// <summary>The archive's name as members see it over IMAP.</summary>
    public static string ImapNameFor(string listAddress) => NamespacePrefix + EmailAddress.Parse(listAddress).Key;
}
