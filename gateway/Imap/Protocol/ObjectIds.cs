using System.Security.Cryptography;
using System.Text;
using MailCloud.Core.Mailboxes;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// OBJECTID (RFC 8474) identifiers, derived from what the store keeps, so they are stable without
/// storing anything new. Each is an objectid (RFC 8474 §7: 1 to 255 of ALPHA, DIGIT, "_", "-") and
/// starts with a letter.
/// </summary>
public static class ObjectIds
{
    /// <summary>
    /// RFC 8474 §4: MAILBOXID from the folder's generated id, which RENAME keeps and a folder created
    /// again under an old name does not have.
    /// </summary>
    public static string MailboxId(string folderId) => "F" + folderId;

    /// <summary>
    /// RFC 8474 §5.1: EMAILID from the blob the message's row names. Message bytes never change, so
    /// one blob means one content; MOVE keeps the blob (the same EMAILID), COPY makes a new blob (a
    /// new EMAILID, which §5.1 allows for a copy).
    /// </summary>
    public static string EmailId(MessageSummary message)
    {
        var blob = message.Blob ?? throw new InvalidOperationException($"Message {message.Uid} was listed without its blob reference.");
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(blob.Container + "/" + blob.Name));
        return "M" + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }
}
