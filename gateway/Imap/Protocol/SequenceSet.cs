using System.Globalization;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// A sequence set (RFC 9051 §9 sequence-set): ranges of message sequence numbers or UIDs, where
/// "*" means the largest number in use. Ranges may be given in either order ("4:2" is "2:4").
/// A number is any nz-number, 1 to 4294967295 (RFC 9051 §9), so "*" is kept apart from all of them.
/// </summary>
public sealed class SequenceSet
{
    /// <summary>Stands for "*" until resolved against a mailbox; above every nz-number.</summary>
    public const long Star = long.MaxValue;

    private SequenceSet(IReadOnlyList<(long First, long Last)> ranges)
    {
        Ranges = ranges;
    }

    public IReadOnlyList<(long First, long Last)> Ranges { get; }

    public static SequenceSet Parse(string text)
    {
        if (text.Length == 0)
        {
            throw new ImapSyntaxException("Expected a sequence set");
        }

        if (text == "$")
        {
            throw new ImapSyntaxException("Saved search results ($) are not supported");
        }

        var ranges = new List<(long, long)>();
        foreach (var part in text.Split(','))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var first = ParseNumber(colon < 0 ? part : part[..colon]);
            var last = colon < 0 ? first : ParseNumber(part[(colon + 1)..]);
            ranges.Add(first <= last ? (first, last) : (last, first));
        }

        return new SequenceSet(ranges);
    }

    /// <summary>True when <paramref name="value"/> is in the set, "*" standing for <paramref name="largest"/>.</summary>
    public bool Contains(uint value, uint largest)
    {
        foreach (var (first, last) in Ranges)
        {
            var low = first == Star ? largest : first;
            var high = last == Star ? largest : last;
            if (low > high)
            {
                (low, high) = (high, low);
            }

            if (value >= low && value <= high)
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() =>
        string.Join(',', Ranges.Select(r => r.First == r.Last ? Format(r.First) : $"{Format(r.First)}:{Format(r.Last)}"));

    /// <summary>Formats ascending numbers compactly ("1:3,7") as UIDPLUS and ESEARCH responses do.</summary>
    public static string Format(IEnumerable<uint> ascending)
    {
        var parts = new List<string>();
        uint? start = null;
        uint previous = 0;
        foreach (var value in ascending)
        {
            if (start is not null && value == previous + 1)
            {
                previous = value;
                continue;
            }

            if (start is not null)
            {
                parts.Add(start == previous ? Format(previous) : $"{start}:{previous}");
            }

            start = value;
            previous = value;
        }

        if (start is not null)
        {
            parts.Add(start == previous ? Format(previous) : $"{start}:{previous}");
        }

        return string.Join(',', parts);
    }

    private static string Format(long value) => value == Star ? "*" : value.ToString(CultureInfo.InvariantCulture);

    private static long ParseNumber(string text)
    {
        if (text == "*")
        {
            return Star;
        }

        // nz-number: no leading zero, not zero.
        if (text.Length == 0 || text[0] == '0' || !text.All(char.IsAsciiDigit) || !uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new ImapSyntaxException($"Invalid number in sequence set: '{text}'");
        }

        return value;
    }
}
