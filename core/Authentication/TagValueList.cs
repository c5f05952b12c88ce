namespace MailCloud.Core.Authentication;

/// <summary>
/// A tag=value list (RFC 6376 §3.2), the syntax of DKIM-Signature, DKIM key records and DMARC
/// records (RFC 7489 §6.4): tags separated by ';', whitespace around tags and values ignored,
/// tag names case-sensitive, a duplicate tag an error.
/// </summary>
public sealed class TagValueList
{
    private readonly Dictionary<string, string> _tags;

    private TagValueList(Dictionary<string, string> tags, IReadOnlyList<string> order)
    {
        _tags = tags;
        Order = order;
    }

    /// <summary>Tag names in the order they appeared.</summary>
    public IReadOnlyList<string> Order { get; }

    public string? this[string tag] => _tags.GetValueOrDefault(tag);

    public bool Contains(string tag) => _tags.ContainsKey(tag);

    public static bool TryParse(string text, out TagValueList list)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        list = new TagValueList(tags, order);
        foreach (var part in text.Split(';'))
        {
            // A trailing ';' leaves one empty part (tag-list = tag-spec *( ";" tag-spec ) [ ";" ]).
            if (string.IsNullOrWhiteSpace(part))
            {
                continue;
            }

            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                return false;
            }

            var name = part[..equals].Trim();
            if (name.Length == 0 || !char.IsAsciiLetter(name[0]) || name.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_') || !tags.TryAdd(name, part[(equals + 1)..].Trim()))
            {
                return false;
            }

            order.Add(name);
        }

        return true;
    }
}
