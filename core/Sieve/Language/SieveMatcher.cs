using System.Globalization;
using System.Text;

namespace MailCloud.Core.Sieve.Language;

/// <summary>Match types (RFC 5228 §2.7.1, RFC 5231 :count/:value) under a comparator (§2.7.3, RFC 4790).</summary>
internal sealed class SieveMatcher
{
    private readonly string _matchType;
    private readonly string _comparator;
    private readonly string? _relation;

    public SieveMatcher(Dictionary<string, SieveArgument?> tags, Func<string, string> expand)
    {
        _comparator = tags.TryGetValue("comparator", out var c) ? ((SieveStringArgument)c!).Values[0] : "i;ascii-casemap";
        _matchType = tags.ContainsKey("contains") ? "contains"
            : tags.ContainsKey("matches") ? "matches"
            : tags.ContainsKey("count") ? "count"
            : tags.ContainsKey("value") ? "value"
            : "is";
        if (tags.TryGetValue(_matchType, out var relation) && relation is SieveStringArgument r)
        {
            _relation = expand(r.Values[0]);
        }
    }

    public bool IsCount => _matchType == "count";

    public bool IsMatches => _matchType == "matches";

    /// <summary>Whether any value matches any key; the captures of a successful :matches go to <paramref name="captures"/>.</summary>
    public bool Test(IReadOnlyList<string> values, IReadOnlyList<string> keys, out IReadOnlyList<string>? captures)
    {
        captures = null;
        if (IsCount)
        {
            // RFC 5231 §4.1: the number of values, compared as i;ascii-numeric.
            string count = values.Count.ToString(CultureInfo.InvariantCulture);
            return keys.Any(k => Relate(CompareNumeric(count, k)));
        }
        foreach (string value in values)
        {
            foreach (string key in keys)
            {
                if (Matches(value, key, out captures))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private bool Matches(string value, string key, out IReadOnlyList<string>? captures)
    {
        captures = null;
        switch (_matchType)
        {
            case "contains":
                return _comparator == "i;ascii-numeric" ? CompareNumeric(value, key) == 0
                    : value.Contains(key, _comparator == "i;octet" ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
            case "matches":
                var groups = new List<string>();
                if (Glob(value, 0, key, 0, groups))
                {
                    groups.Insert(0, value);
                    captures = groups;
                    return true;
                }
                return false;
            case "value":
                return Relate(Compare(value, key));
            default:
                return Compare(value, key) == 0;
        }
    }

    private int Compare(string a, string b) => _comparator switch
    {
        "i;octet" => string.CompareOrdinal(a, b),
        "i;ascii-numeric" => CompareNumeric(a, b),
        _ => string.CompareOrdinal(FoldAscii(a), FoldAscii(b)),
    };

    private bool Relate(int order) => _relation switch
    {
        "gt" => order > 0,
        "ge" => order >= 0,
        "lt" => order < 0,
        "le" => order <= 0,
        "ne" => order != 0,
        _ => order == 0,
    };

    /// <summary>RFC 4790 §9.1: the leading digits as a number; a string without leading digits is positive infinity.</summary>
    private static int CompareNumeric(string a, string b)
    {
        string? x = LeadingDigits(a), y = LeadingDigits(b);
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : 1) : -1;
        }
        return x.Length != y.Length ? x.Length.CompareTo(y.Length) : string.CompareOrdinal(x, y);
    }

    private static string? LeadingDigits(string s)
    {
        int n = 0;
        while (n < s.Length && char.IsAsciiDigit(s[n]))
        {
            n++;
        }
        return n == 0 ? null : s[..n].TrimStart('0') is { Length: > 0 } t ? t : "0";
    }

    private static string FoldAscii(string s)
    {
        var b = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            b.Append(char.IsAsciiLetterUpper(c) ? (char)(c + 32) : c);
        }
        return b.ToString();
    }

    private bool CharEquals(char a, char b) =>
        _comparator == "i;octet" ? a == b : (char.IsAsciiLetterUpper(a) ? (char)(a + 32) : a) == (char.IsAsciiLetterUpper(b) ? (char)(b + 32) : b);

    /// <summary>RFC 5228 §2.7.1 wildcards: '*' any run, '?' one character, '\' quotes the next; each wildcard captures (RFC 5229 §3.2).</summary>
    private bool Glob(string value, int v, string pattern, int p, List<string> groups)
    {
        while (p < pattern.Length)
        {
            char c = pattern[p];
            if (c == '*')
            {
                int mark = groups.Count;
                for (int end = v; end <= value.Length; end++)
                {
                    groups.Add(value[v..end]);
                    if (Glob(value, end, pattern, p + 1, groups))
                    {
                        return true;
                    }
                    groups.RemoveRange(mark, groups.Count - mark);
                }
                return false;
            }
            if (v >= value.Length)
            {
                return false;
            }
            if (c == '?')
            {
                groups.Add(value[v].ToString());
                v++;
                p++;
                continue;
            }
            if (c == '\\' && p + 1 < pattern.Length)
            {
                c = pattern[++p];
            }
            if (!CharEquals(value[v], c))
            {
                return false;
            }
            v++;
            p++;
        }
        return v == value.Length;
    }
}
