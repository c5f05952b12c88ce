using System.Globalization;
using System.Text;
using Azure.Data.Tables;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// The trace one expunge leaves in its folder (<c>V:&lt;folderId&gt;:&lt;modseq, 20 digits&gt;</c>), written in
/// the same transaction that deletes the message rows: the UIDs removed (as ranges, "3:5,9") and
/// the MODSEQ the expunge gave the folder. With them a reader learns what vanished since a MODSEQ
/// (RFC 7162 §3.2.5, §3.2.6) without listing the folder. One row per transaction, so a chunk of
/// up to 97 UIDs costs one more entity; the folder row counts them and old ones are pruned (see
/// <see cref="FolderRow.VanishedFloor"/>).
/// </summary>
internal sealed class TombstoneRow
{
    /// <summary>Longest UID list kept: a transaction expunges at most 97 messages, 11 characters each.</summary>
    private const int MaxUidsLength = 32 * 1024;

    public required string FolderId { get; init; }
    public required ulong ModSeq { get; init; }
    public required IReadOnlyList<uint> Uids { get; init; }

    public string RowKey => MailboxKeys.Tombstone(FolderId, ModSeq);

    public static TombstoneRow From(TableEntity entity) => new()
    {
        FolderId = entity.RowKey.Split(':')[1],
        ModSeq = (ulong)(entity.GetInt64(nameof(ModSeq)) ?? 0),
        Uids = ParseUids(entity.GetString(nameof(Uids)) ?? ""),
    };

    public TableEntity ToEntity(string accountId)
    {
        var uids = FormatUids(Uids);
        if (uids.Length > MaxUidsLength)
        {
            throw new ArgumentException($"A tombstone holds at most {MaxUidsLength} characters of UIDs.");
        }

        return new TableEntity(accountId, RowKey)
        {
            [nameof(ModSeq)] = (long)ModSeq,
            [nameof(Uids)] = uids,
        };
    }

    /// <summary>Ascending UIDs as ranges: 1,2,3,7 → "1:3,7".</summary>
    internal static string FormatUids(IEnumerable<uint> uids)
    {
        var text = new StringBuilder();
        uint first = 0, last = 0;
        foreach (var uid in uids.Order())
        {
            if (first != 0 && uid == last + 1)
            {
                last = uid;
                continue;
            }

            if (first != 0)
            {
                Append(text, first, last);
            }

            first = last = uid;
        }

        if (first != 0)
        {
            Append(text, first, last);
        }

        return text.ToString();
    }

    internal static List<uint> ParseUids(string text)
    {
        var uids = new List<uint>();
        foreach (var range in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = range.IndexOf(':', StringComparison.Ordinal);
            var first = uint.Parse(colon < 0 ? range : range[..colon], NumberStyles.None, CultureInfo.InvariantCulture);
            var last = colon < 0 ? first : uint.Parse(range[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
            for (var uid = first; uid <= last && uid != 0; uid++)
            {
                uids.Add(uid);
            }
        }

        return uids;
    }

    private static void Append(StringBuilder text, uint first, uint last)
    {
        if (text.Length > 0)
        {
            text.Append(',');
        }

        text.Append(first.ToString(CultureInfo.InvariantCulture));
        if (last != first)
        {
            text.Append(':').Append(last.ToString(CultureInfo.InvariantCulture));
        }
    }
}
