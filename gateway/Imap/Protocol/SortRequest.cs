namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>sort-key of RFC 5256 §3, with DISPLAYFROM and DISPLAYTO of RFC 5957.</summary>
public enum SortKey
{
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    DisplayFrom,
    DisplayTo,
}

/// <summary>One sort criterion; <see cref="Reverse"/> is REVERSE before it.</summary>
public readonly record struct SortCriterion(SortKey Key, bool Reverse);

/// <summary>A parsed SORT (RFC 5256 §3) with its RETURN options (ESORT, RFC 5267 §4.2).</summary>
public sealed record SortRequest(IReadOnlyList<SortCriterion> Criteria, SearchReturn Return, bool Extended, SearchKey Key)
{
    /// <summary>[RETURN (options) SP] "(" sort-criterion *(SP sort-criterion) ")" SP charset 1*(SP search-key).</summary>
    public static SortRequest Parse(ImapCommandReader reader)
    {
        var (returns, extended) = SearchRequest.ReadReturn(reader);
        var criteria = new List<SortCriterion>();
        reader.Expect('(');
        do
        {
            var reverse = reader.TryConsumeWord("REVERSE");
            if (reverse)
            {
                reader.ExpectSpace();
            }

            var name = reader.ReadAtom().ToUpperInvariant();
            var key = name switch
            {
                "ARRIVAL" => SortKey.Arrival,
                "CC" => SortKey.Cc,
                "DATE" => SortKey.Date,
                "FROM" => SortKey.From,
                "SIZE" => SortKey.Size,
                "SUBJECT" => SortKey.Subject,
                "TO" => SortKey.To,
                "DISPLAYFROM" => SortKey.DisplayFrom,
                "DISPLAYTO" => SortKey.DisplayTo,
                _ => throw new ImapSyntaxException($"Unknown sort key {name}"),
            };
            criteria.Add(new SortCriterion(key, reverse));
        }
        while (reader.TryConsume(' '));

        reader.Expect(')');
        reader.ExpectSpace();

        // RFC 5256 §3: the charset is not optional in SORT.
        SearchRequest.CheckCharset(reader.ReadAString());
        reader.ExpectSpace();
        return new SortRequest(criteria, returns, extended, SearchRequest.ReadKeys(reader));
    }
}
