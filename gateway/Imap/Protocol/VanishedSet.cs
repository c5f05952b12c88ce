using System.Globalization;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// The UIDs a VANISHED response names (RFC 7162 §3.2.10, §7: known-uids), written as ranges. Built
/// from the store's tombstones when they reach back far enough, or else by comparing the UIDs the
/// client may know with those that exist (§3.2.5.2), range by range, so a client sending
/// "1:4294967295" costs the number of messages, not of UIDs.
/// </summary>
public static class VanishedSet
{
    /// <summary>The expunged UIDs (ascending) that <paramref name="limit"/> contains (all when null) and the mailbox no longer has.</summary>
    public static string FromExpunged(IEnumerable<uint> expunged, SequenceSet? limit, uint largest, Func<uint, bool> exists) =>
        SequenceSet.Format(expunged.Where(uid => (limit is null || limit.Contains(uid, largest)) && !exists(uid)));

    /// <summary>
    /// Every UID below <paramref name="uidNext"/> in <paramref name="limit"/> (1:* when null) that is not in
    /// <paramref name="existing"/> (ascending): all the client could know that is gone.
    /// </summary>
    public static string FromComparison(SequenceSet? limit, uint uidNext, IReadOnlyList<uint> existing)
    {
        var last = (long)uidNext - 1;
        var ranges = (limit?.Ranges ?? [(1, last)])
            .Select(r => (First: r.First, Last: Math.Min(r.Last == SequenceSet.Star ? last : r.Last, last)))
            .Where(r => r.First <= r.Last)
            .OrderBy(r => r.First)
            .ToList();
        var gaps = new List<(long First, long Last)>();
        var next = 0;
        long covered = 0;
        foreach (var (first, end) in ranges)
        {
            var from = Math.Max(first, covered + 1);
            if (from > end)
            {
                continue;
            }

            covered = end;
            while (next < existing.Count && existing[next] < from)
            {
                next++;
            }

            var start = from;
            for (; next < existing.Count && existing[next] <= end; next++)
            {
                if (existing[next] > start)
                {
                    gaps.Add((start, existing[next] - 1));
                }

                start = (long)existing[next] + 1;
            }

            if (start <= end)
            {
                gaps.Add((start, end));
            }
        }

        return Format(gaps);
    }

    private static string Format(List<(long First, long Last)> gaps)
    {
        // Ranges from overlapping limits are adjacent or ascending; merge touching ones.
        var merged = new List<(long First, long Last)>();
        foreach (var gap in gaps)
        {
            if (merged.Count > 0 && gap.First <= merged[^1].Last + 1)
            {
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, gap.Last));
            }
            else
            {
                merged.Add(gap);
            }
        }

        return string.Join(',', merged.Select(g => g.First == g.Last
            ? g.First.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{g.First}:{g.Last}")));
    }
}
