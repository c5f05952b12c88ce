using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// Row keys of an account's partition. Every key is built from generated or numeric parts
/// (folder ids are Guids, UIDs are zero-padded numbers, markers are hashes), never from a
/// client's text, and sorts so that one range query reads one kind of row:
/// <c>A</c> the account row, <c>B:&lt;sha256(name)&gt;</c> subscriptions, <c>F:&lt;folderId&gt;</c> folder rows, <c>M:&lt;folderId&gt;:&lt;uid, 10 digits&gt;</c>
/// message rows (ascending by UID), <c>D:&lt;folderId&gt;:&lt;sha256(key)&gt;</c> delivery markers,
/// <c>V:&lt;folderId&gt;:&lt;modseq, 20 digits&gt;</c> expunge tombstones (ascending by MODSEQ).
/// </summary>
internal static class MailboxKeys
{
    public const string Account = "A";

    private const string SubscriptionPrefix = "B:";
    private const string FolderPrefix = "F:";
    private const string MessagePrefix = "M:";
    private const string MarkerPrefix = "D:";
    private const string TombstonePrefix = "V:";
    private const int UidDigits = 10;
    private const int ModSeqDigits = 20;

    /// <summary>Lower bound of the range holding the account row, every subscription and every folder row ("A" &lt; "B:" &lt; "F:").</summary>
    public const string HeaderRangeStart = Account;

    /// <summary>Upper bound (exclusive) of that range: ';' follows ':' in ASCII.</summary>
    public const string HeaderRangeEnd = "F;";

    public static string Folder(string folderId) => FolderPrefix + folderId;

    /// <summary>A subscription's key: a hash of the normalized name, never the client's text.</summary>
    public static string Subscription(string normalizedName) =>
        SubscriptionPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalizedName)));

    public static bool IsSubscription(string rowKey) => rowKey.StartsWith(SubscriptionPrefix, StringComparison.Ordinal);

    public static bool IsFolder(string rowKey) => rowKey.StartsWith(FolderPrefix, StringComparison.Ordinal);

    public static string FolderIdOf(string folderRowKey) => folderRowKey[FolderPrefix.Length..];

    public static string Message(string folderId, uint uid) =>
        MessagesOf(folderId) + uid.ToString("D" + UidDigits, CultureInfo.InvariantCulture);

    /// <summary>Prefix of a folder's message rows; the range is [prefix, prefix + '~').</summary>
    public static string MessagesOf(string folderId) => MessagePrefix + folderId + ":";

    public static string MarkersOf(string folderId) => MarkerPrefix + folderId + ":";

    /// <summary>Prefix of a folder's tombstone rows, which sort by MODSEQ.</summary>
    public static string TombstonesOf(string folderId) => TombstonePrefix + folderId + ":";

    public static string Tombstone(string folderId, ulong modSeq) =>
        TombstonesOf(folderId) + modSeq.ToString("D" + ModSeqDigits, CultureInfo.InvariantCulture);

    public static string RangeEnd(string prefix) => prefix + "~";

    public static uint UidOf(string messageRowKey) =>
        uint.Parse(messageRowKey.AsSpan(messageRowKey.Length - UidDigits), NumberStyles.None, CultureInfo.InvariantCulture);

    public static string Marker(string folderId, string idempotencyKey) =>
        MarkersOf(folderId) + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)));

    public static string NewFolderId() => Guid.NewGuid().ToString("N");

    /// <summary>An OData filter for one partition's row range [start, end).</summary>
    public static string RangeFilter(string partitionKey, string start, string end) =>
        $"PartitionKey eq '{partitionKey}' and RowKey ge '{start}' and RowKey lt '{end}'";
}
