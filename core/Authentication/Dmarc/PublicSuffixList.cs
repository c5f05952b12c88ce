using System.Globalization;
using System.Reflection;

namespace MailCloud.Core.Authentication.Dmarc;

/// <summary>
/// The Public Suffix List (publicsuffix.org, MPL-2.0; the embedded public_suffix_list.dat, refreshed
/// by update-psl.sh) and the organizational domain of RFC 7489 §3.2 derived from it. ICANN and
/// private rules both apply; names are ASCII (A-labels), compared case-insensitively.
/// </summary>
public sealed class PublicSuffixList
{
    private const string ResourceName = "MailCloud.Core.Authentication.Dmarc.public_suffix_list.dat";

    private readonly HashSet<string> _rules = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _wildcards = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _exceptions = new(StringComparer.OrdinalIgnoreCase);

    public PublicSuffixList(TextReader list)
    {
        while (list.ReadLine() is { } line)
        {
            // Rules end at the first whitespace; comments start with "//".
            var rule = line.Split(' ', '\t')[0];
            if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal) || ToAscii(rule) is not { } ascii)
            {
                continue;
            }

            rule = ascii;

            if (rule.StartsWith("!", StringComparison.Ordinal))
            {
                _exceptions.Add(rule[1..]);
            }
            else if (rule.StartsWith("*.", StringComparison.Ordinal))
            {
                _wildcards.Add(rule[2..]);
            }
            else
            {
                _rules.Add(rule);
            }
        }
    }

    // The list spells internationalized rules in U-labels; mail domains arrive as A-labels.
    private static readonly IdnMapping Idn = new();

    public int RuleCount => _rules.Count + _wildcards.Count + _exceptions.Count;

    /// <summary>The list shipped in this assembly.</summary>
    public static PublicSuffixList LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The resource {ResourceName} is missing from the build.");
        using var reader = new StreamReader(stream);
        return new PublicSuffixList(reader);
    }

    /// <summary>The public suffix plus one label, or null when the name is itself a public suffix (or not a name).</summary>
    public string? RegistrableDomain(string domain)
    {
        var name = domain.TrimEnd('.').ToLowerInvariant();
        if (name.Length == 0 || name.StartsWith('.') || name.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        var labels = name.Split('.');
        var suffixLength = PublicSuffixLabels(labels);
        return labels.Length > suffixLength ? string.Join('.', labels[^(suffixLength + 1)..]) : null;
    }

    /// <summary>RFC 7489 §3.2: the registrable domain, or the name itself when it is a public suffix.</summary>
    public string OrganizationalDomain(string domain) => RegistrableDomain(domain) ?? domain.TrimEnd('.').ToLowerInvariant();

    private static string? ToAscii(string rule)
    {
        if (rule.All(char.IsAscii))
        {
            return rule;
        }

        try
        {
            return Idn.GetAscii(rule);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>How many trailing labels the prevailing rule covers (the longest match; exceptions win; "*" by default).</summary>
    private int PublicSuffixLabels(string[] labels)
    {
        var longest = 1;
        for (var count = labels.Length; count >= 1; count--)
        {
            var candidate = string.Join('.', labels[^count..]);
            if (_exceptions.Contains(candidate))
            {
                // An exception rule's suffix is the rule minus its leftmost label.
                return count - 1;
            }

            if (_rules.Contains(candidate))
            {
                longest = Math.Max(longest, count);
            }

            if (count < labels.Length && _wildcards.Contains(candidate))
            {
                longest = Math.Max(longest, count + 1);
            }
        }

        return longest;
    }
}
