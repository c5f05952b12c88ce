namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// The untagged answers of SEARCH and SORT: the IMAP4rev1 list ("* SEARCH 2 5", "* SORT 5 2") or
/// ESEARCH (RFC 4731 §3.1; for SORT, ESORT RFC 5267 §4.2). <c>numbers</c> are in answer order,
/// ascending for SEARCH and in sort order for SORT: MIN and MAX are the first and the last, and ALL
/// keeps the order.
/// </summary>
public static class SearchResponse
{
    /// <summary>"* name n n …", with RFC 7162 §3.1.5's "(MODSEQ m)" when <paramref name="modSeq"/> is given.</summary>
    public static void WriteList(ImapResponseWriter writer, string name, IReadOnlyList<uint> numbers, ulong? modSeq)
    {
        writer.Raw("* ").Raw(name);
        foreach (var number in numbers)
        {
            writer.Raw(' ').Number(number);
        }

        if (modSeq is { } highest)
        {
            writer.Raw(" (MODSEQ ").Number(highest).Raw(')');
        }

        writer.Crlf();
    }

    /// <summary>"* ESEARCH (TAG "t") [UID] MIN n MAX n COUNT n ALL set [MODSEQ m]", the items asked for in <paramref name="returns"/>.</summary>
    public static void WriteEsearch(ImapResponseWriter writer, string tag, bool uid, SearchReturn returns, IReadOnlyList<uint> numbers, ulong? modSeq)
    {
        writer.Raw("* ESEARCH (TAG ").String(tag).Raw(')');
        if (uid)
        {
            writer.Raw(" UID");
        }

        if (numbers.Count > 0 && returns.HasFlag(SearchReturn.Min))
        {
            writer.Raw(" MIN ").Number(numbers[0]);
        }

        if (numbers.Count > 0 && returns.HasFlag(SearchReturn.Max))
        {
            writer.Raw(" MAX ").Number(numbers[^1]);
        }

        if (returns.HasFlag(SearchReturn.Count))
        {
            writer.Raw(" COUNT ").Number(numbers.Count);
        }

        if (numbers.Count > 0 && returns.HasFlag(SearchReturn.All))
        {
            writer.Raw(" ALL ").Raw(SequenceSet.Format(numbers));
        }

        if (modSeq is { } highest)
        {
            writer.Raw(" MODSEQ ").Number(highest);
        }

        writer.Crlf();
    }
}
