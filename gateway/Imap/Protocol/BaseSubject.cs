using System.Text;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// The base subject of RFC 5256 §2.1, which SORT SUBJECT and THREAD=ORDEREDSUBJECT compare: the
/// subject without "Re:", "Fwd:", "[list]" prefixes, "(fwd)" trailers and "[Fwd: …]" wrapping.
/// Takes the decoded subject (the index keeps it RFC 2047 decoded and unfolded).
/// </summary>
public static class BaseSubject
{
    public static string Extract(string? subject) => Extract(subject, out _);

    /// <summary>
    /// The base subject, and whether extracting it removed a "Re:"/"Fwd:" leader, a "(fwd)" trailer or a
    /// "[Fwd: …]" wrapping: the message is then a reply or forward (RFC 5256 §2.1, used by THREAD=REFERENCES §3 step 5).
    /// </summary>
    public static string Extract(string? subject, out bool replyOrForward)
    {
        replyOrForward = false;

        // (1) Tabs and line breaks are spaces, and runs of spaces one space.
        var text = CollapseWhitespace(subject ?? "");
        while (true)
        {
            // (2) Remove trailing subj-trailer ("(fwd)" / WSP), repeatedly.
            while (true)
            {
                text = text.TrimEnd(' ');
                if (!text.EndsWith("(fwd)", StringComparison.OrdinalIgnoreCase))
                {
                    break;
                }

                text = text[..^5];
                replyOrForward = true;
            }

            // (3) subj-leader and (4) a subj-blob that leaves a non-empty base, (5) until neither applies.
            bool removed;
            do
            {
                removed = false;
                while (LeaderLength(text) is > 0 and var leader)
                {
                    // A leader other than a space holds a subj-refwd.
                    replyOrForward |= text[0] != ' ';
                    text = text[leader..];
                    removed = true;
                }

                if (BlobLength(text, 0) is > 0 and var blob && blob < text.Length)
                {
                    text = text[blob..];
                    removed = true;
                }
            }
            while (removed);

            // (6) "[fwd:" … "]" is unwrapped, and the inside goes through (2) again.
            if (text.StartsWith("[fwd:", StringComparison.OrdinalIgnoreCase) && text.EndsWith(']'))
            {
                text = text[5..^1];
                replyOrForward = true;
                continue;
            }

            return text;
        }
    }

    private static string CollapseWhitespace(string subject)
    {
        var builder = new StringBuilder(subject.Length);
        foreach (var c in subject)
        {
            var space = c is ' ' or '\t' or '\r' or '\n';
            if (!space)
            {
                builder.Append(c);
            }
            else if (builder.Length == 0 || builder[^1] != ' ')
            {
                builder.Append(' ');
            }
        }

        return builder.ToString();
    }

    /// <summary>subj-leader = (*subj-blob subj-refwd) / WSP; the length of the one at the start, or 0.</summary>
    private static int LeaderLength(string text)
    {
        if (text.StartsWith(' '))
        {
            return 1;
        }

        var position = 0;
        while (BlobLength(text, position) is > 0 and var blob)
        {
            position += blob;
        }

        return RefwdLength(text, position) is > 0 and var refwd ? position + refwd : 0;
    }

    /// <summary>subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; its length at <paramref name="start"/>, or 0.</summary>
    private static int RefwdLength(string text, int start)
    {
        foreach (var word in (ReadOnlySpan<string>)["re", "fwd", "fw"])
        {
            if (string.Compare(text, start, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) != 0)
            {
                continue;
            }

            var position = start + word.Length;
            while (position < text.Length && text[position] == ' ')
            {
                position++;
            }

            position += BlobLength(text, position);
            if (position < text.Length && text[position] == ':')
            {
                return position + 1 - start;
            }
        }

        return 0;
    }

    /// <summary>subj-blob = "[" *BLOBCHAR "]" *WSP; its length at <paramref name="start"/>, or 0.</summary>
    private static int BlobLength(string text, int start)
    {
        if (start >= text.Length || text[start] != '[')
        {
            return 0;
        }

        var close = text.IndexOfAny(['[', ']'], start + 1);
        if (close < 0 || text[close] != ']')
        {
            return 0;
        }

        var position = close + 1;
        while (position < text.Length && text[position] == ' ')
        {
            position++;
        }

        return position - start;
    }
}
