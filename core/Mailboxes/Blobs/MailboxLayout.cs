using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;

namespace MailCloud.Core.Mailboxes.Blobs;

/// <summary>
/// The blob names of one account's mailboxes. Every segment is generated (account ids are
/// validated, folder ids are Guids, UIDs are numbers, markers are hashes), never user input.
/// </summary>
internal sealed class MailboxLayout(BlobContainerClient container)
{
    /// <summary>Width of the zero-padded UID in message blob names, so names sort by UID.</summary>
    private const int UidDigits = 10;

    public BlobContainerClient Container { get; } = container;

    public BlobClient FolderList(string accountId) => Container.GetBlobClient($"{accountId}/folders.json");

    public string FolderPrefix(string accountId, string folderId) => $"{accountId}/f/{folderId}/";

    public BlobClient FolderState(string accountId, string folderId) =>
        Container.GetBlobClient(FolderPrefix(accountId, folderId) + "state.json");

    public string MessagePrefix(string accountId, string folderId) => FolderPrefix(accountId, folderId) + "m/";

    public BlobClient Message(string accountId, string folderId, uint uid) =>
        Container.GetBlobClient(MessagePrefix(accountId, folderId) + uid.ToString("D" + UidDigits, CultureInfo.InvariantCulture));

    /// <summary>The idempotency marker of a delivery: names the UID the delivery was given.</summary>
    public BlobClient DeliveryMarker(string accountId, string folderId, string idempotencyKey) =>
        Container.GetBlobClient(FolderPrefix(accountId, folderId) + "d/" + HashKey(idempotencyKey));

    /// <summary>Parses the UID back out of a message blob name; false for anything else under the prefix.</summary>
    public static bool TryParseUid(string blobName, string messagePrefix, out uint uid)
    {
        uid = 0;
        return blobName.Length == messagePrefix.Length + UidDigits
            && blobName.StartsWith(messagePrefix, StringComparison.Ordinal)
            && uint.TryParse(blobName.AsSpan(messagePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out uid);
    }

    public static string HashKey(string idempotencyKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)));
}
