using MailCloud.Core.Mailboxes;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>ESEARCH result options (RFC 9051 §6.4.4.1, RFC 4731).</summary>
[Flags]
public enum SearchReturn
{
    None = 0,
    Min = 1,
    Max = 2,
    All = 4,
    Count = 8,
}

/// <summary>A parsed SEARCH: RETURN options (none means the rev1 "* SEARCH" form), and the key.</summary>
public sealed record SearchRequest(SearchReturn Return, bool Extended, SearchKey Key)
{
    /// <summary>
    /// How deeply "(", NOT and OR may nest. The parser and the evaluator recurse once per level, and a
    /// stack overflow cannot be caught in .NET: without a bound one 64 KiB line of "(" ends the process.
    /// Real clients nest a few levels; Dovecot and mox refuse far less than this too.
    /// </summary>
    public const int MaxNestingDepth = 64;

    public static SearchRequest Parse(ImapCommandReader reader)
    {
        var (returns, extended) = ReadReturn(reader);
        if (reader.TryConsumeWord("CHARSET"))
        {
            reader.ExpectSpace();
            CheckCharset(reader.ReadAString());
            reader.ExpectSpace();
        }

        return new SearchRequest(returns, extended, ReadKeys(reader));
    }

    /// <summary>An optional "RETURN (options) SP" (RFC 4731 §3.1, RFC 5267 §4.2); not extended without it.</summary>
    public static (SearchReturn Return, bool Extended) ReadReturn(ImapCommandReader reader)
    {
        var returns = SearchReturn.None;
        if (reader.TryConsumeWord("RETURN"))
        {
            reader.ExpectSpace();
            reader.Expect('(');
            if (!reader.TryConsume(')'))
            {
                do
                {
                    returns |= reader.ReadAtom().ToUpperInvariant() switch
                    {
                        "MIN" => SearchReturn.Min,
                        "MAX" => SearchReturn.Max,
                        "ALL" => SearchReturn.All,
                        "COUNT" => SearchReturn.Count,
                        var other => throw new ImapSyntaxException($"Unsupported SEARCH RETURN option {other}"),
                    };
                }
                while (reader.TryConsume(' '));

                reader.Expect(')');
            }

            // RFC 4731 §3.1: RETURN () means RETURN (ALL).
            if (returns == SearchReturn.None)
            {
                returns = SearchReturn.All;
            }

            reader.ExpectSpace();
            return (returns, true);
        }

        return (returns, false);
    }

    /// <summary>Strings are searched as UTF-8; US-ASCII is a subset (RFC 9051 §6.4.4).</summary>
    public static void CheckCharset(string charset)
    {
        if (!charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
        {
            throw new ImapNoException($"Charset {charset} is not supported", "BADCHARSET (UTF-8 US-ASCII)");
        }
    }

    /// <summary>One or more search keys to the end of the command, all of which must match.</summary>
    public static SearchKey ReadKeys(ImapCommandReader reader)
    {
        var keys = new List<SearchKey> { ReadKey(reader, 0) };
        while (reader.TryConsume(' '))
        {
            keys.Add(ReadKey(reader, 0));
        }

        reader.ExpectEnd();
        return keys.Count == 1 ? keys[0] : new SearchKey.And(keys);
    }

    /// <summary>
    /// search-key (RFC 9051 §9), including the IMAP4rev1 keys NEW, OLD, RECENT and UNRECENT;
    /// <paramref name="depth"/> counts the enclosing "(", NOT and OR.
    /// </summary>
    private static SearchKey ReadKey(ImapCommandReader reader, int depth)
    {
        if (reader.TryConsume('('))
        {
            CheckDepth(depth);
            var keys = new List<SearchKey> { ReadKey(reader, depth + 1) };
            while (reader.TryConsume(' '))
            {
                keys.Add(ReadKey(reader, depth + 1));
            }

            reader.Expect(')');
            return keys.Count == 1 ? keys[0] : new SearchKey.And(keys);
        }

        if (reader.AtSequenceSet)
        {
            return new SearchKey.Sequence(reader.ReadSequenceSet());
        }

        var name = reader.ReadAtom().ToUpperInvariant();
        switch (name)
        {
            case "ALL": return new SearchKey.All();
            case "ANSWERED": return new SearchKey.Flag(SystemFlags.Answered, true);
            case "DELETED": return new SearchKey.Flag(SystemFlags.Deleted, true);
            case "DRAFT": return new SearchKey.Flag(SystemFlags.Draft, true);
            case "FLAGGED": return new SearchKey.Flag(SystemFlags.Flagged, true);
            case "SEEN": return new SearchKey.Flag(SystemFlags.Seen, true);
            case "UNANSWERED": return new SearchKey.Flag(SystemFlags.Answered, false);
            case "UNDELETED": return new SearchKey.Flag(SystemFlags.Deleted, false);
            case "UNDRAFT": return new SearchKey.Flag(SystemFlags.Draft, false);
            case "UNFLAGGED": return new SearchKey.Flag(SystemFlags.Flagged, false);
            case "UNSEEN": return new SearchKey.Flag(SystemFlags.Seen, false);

            // RFC 3501 §6.4.4: NEW is RECENT UNSEEN, OLD is NOT RECENT.
            case "RECENT": return new SearchKey.Recent(true);
            case "NEW": return new SearchKey.And([new SearchKey.Recent(true), new SearchKey.Flag(SystemFlags.Seen, false)]);
            case "OLD" or "UNRECENT": return new SearchKey.Recent(false);
        }

        reader.ExpectSpace();
        return name switch
        {
            "BCC" or "CC" or "FROM" or "TO" => new SearchKey.Address(name, reader.ReadAString()),
            "SUBJECT" => new SearchKey.Header(name, reader.ReadAString()),
            "HEADER" => new SearchKey.Header(ReadThen(reader, reader.ReadAString), reader.ReadAString()),
            "BODY" => new SearchKey.Text(reader.ReadAString(), IncludeHeader: false),
            "TEXT" => new SearchKey.Text(reader.ReadAString(), IncludeHeader: true),
            "KEYWORD" => new SearchKey.Keyword(reader.ReadAtom(), true),
            "UNKEYWORD" => new SearchKey.Keyword(reader.ReadAtom(), false),
            "LARGER" => new SearchKey.Larger(reader.ReadNumber()),
            "SMALLER" => new SearchKey.Smaller(reader.ReadNumber()),
            "UID" => new SearchKey.Uid(reader.ReadSequenceSet()),
            "NOT" => new SearchKey.Not(ReadNested(reader, depth)),
            "OR" => new SearchKey.Or(ReadThen(reader, () => ReadNested(reader, depth)), ReadNested(reader, depth)),
            "BEFORE" => new SearchKey.Date(SearchKey.DateComparison.Before, reader.ReadDate(), false),
            "ON" => new SearchKey.Date(SearchKey.DateComparison.On, reader.ReadDate(), false),
            "SINCE" => new SearchKey.Date(SearchKey.DateComparison.Since, reader.ReadDate(), false),
            "SENTBEFORE" => new SearchKey.Date(SearchKey.DateComparison.Before, reader.ReadDate(), true),
            "SENTON" => new SearchKey.Date(SearchKey.DateComparison.On, reader.ReadDate(), true),
            "SENTSINCE" => new SearchKey.Date(SearchKey.DateComparison.Since, reader.ReadDate(), true),
            "MODSEQ" => ReadModSeq(reader),

            "EMAILID" => new SearchKey.EmailId(reader.ReadAtom()),
            "THREADID" => new SearchKey.ThreadId(reader.ReadAtom()),
            _ => throw new ImapSyntaxException($"Unknown search key {name}"),
        };
    }

    private static SearchKey ReadNested(ImapCommandReader reader, int depth)
    {
        CheckDepth(depth);
        return ReadKey(reader, depth + 1);
    }

    private static void CheckDepth(int depth)
    {
        if (depth >= MaxNestingDepth)
        {
            throw new ImapSyntaxException($"Search keys nested deeper than {MaxNestingDepth} levels");
        }
    }

    /// <summary>Reads one argument and the space after it.</summary>
    private static T ReadThen<T>(ImapCommandReader reader, Func<T> read)
    {
        var value = read();
        reader.ExpectSpace();
        return value;
    }

    /// <summary>RFC 7162 §3.1.5: MODSEQ [entry-name entry-type-req] mod-sequence-valzer; the entry is accepted and ignored.</summary>
    private static SearchKey ReadModSeq(ImapCommandReader reader)
    {
        if (!reader.AtSequenceSet)
        {
            reader.ReadAString();
            reader.ExpectSpace();
            reader.ReadAtom();
            reader.ExpectSpace();
        }

        return new SearchKey.ModSeq(reader.ReadNumber64());
    }
}
