using MailCloud.Core.Mailboxes;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>Flags on the wire (RFC 9051 §2.3.2): system flags as "\Name", keywords as atoms.</summary>
public static class FlagCodec
{
    private static readonly (SystemFlags Flag, string Name)[] SystemFlagNames =
    [
        (SystemFlags.Answered, "\\Answered"),
        (SystemFlags.Flagged, "\\Flagged"),
        (SystemFlags.Deleted, "\\Deleted"),
        (SystemFlags.Seen, "\\Seen"),
        (SystemFlags.Draft, "\\Draft"),
    ];

    /// <summary>The FLAGS response and PERMANENTFLAGS list (keywords are allowed: "\*").</summary>
    public const string AllSystemFlags = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

    /// <summary>
    /// The FLAGS and PERMANENTFLAGS responses for a folder whose messages use <paramref name="keywords"/>
    /// (RFC 9051 §7.3.5, §7.1): a client may be told of a keyword in FETCH only after FLAGS named it.
    /// </summary>
    public static void WriteFolderFlags(ImapResponseWriter writer, IEnumerable<string> keywords, bool readOnly)
    {
        var known = string.Concat(keywords.Order(StringComparer.Ordinal).Select(k => " " + k));
        writer.Raw("* FLAGS (").Raw(AllSystemFlags).Raw(known).Raw(")").Crlf();
        writer.Raw("* OK [PERMANENTFLAGS (").Raw(readOnly ? "" : AllSystemFlags + known + " \\*").Raw(")] Flags allowed").Crlf();
    }

    /// <summary>A flag list; <paramref name="recent"/> adds \Recent after the system flags, as Dovecot does (RFC 3501 §2.3.2).</summary>
    public static void Write(ImapResponseWriter writer, MessageFlags flags, bool recent)
    {
        var names = SystemFlagNames.Where(f => flags.Has(f.Flag)).Select(f => f.Name)
            .Concat(recent ? ["\\Recent"] : [])
            .Concat(flags.Keywords.Order(StringComparer.Ordinal));
        writer.Raw('(').Raw(string.Join(' ', names)).Raw(')');
    }

    /// <summary>Parses flag names from the wire; "\Recent" cannot be stored and unknown "\" flags are refused.</summary>
    public static MessageFlags Parse(IEnumerable<string> names)
    {
        var system = SystemFlags.None;
        var keywords = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            if (name.StartsWith('\\'))
            {
                var match = SystemFlagNames.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
                if (match.Name is null)
                {
                    throw new ImapSyntaxException($"Flag {name} cannot be set");
                }

                system |= match.Flag;
            }
            else
            {
                keywords.Add(name);
            }
        }

        return new MessageFlags(system, keywords);
    }
}
