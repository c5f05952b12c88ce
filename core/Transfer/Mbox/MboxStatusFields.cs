using System.Text;
using MailCloud.Core.Mailboxes;

namespace MailCloud.Core.Transfer.Mbox;

/// <summary>
/// The header fields in which mbox files keep flags, as Dovecot, mutt and UW IMAP write them:
/// <c>Status</c> (R seen, O old), <c>X-Status</c> (A answered, F flagged, T draft, D deleted) and
/// <c>X-Keywords</c>. They are mailbox metadata, not part of the message: a reader removes them
/// (with the other fields mail stores add there), as Dovecot hides them from its IMAP clients.
/// </summary>
internal static class MboxStatusFields
{
    private static readonly HashSet<string> Metadata = new(StringComparer.OrdinalIgnoreCase)
    {
        "Status", "X-Status", "X-Keywords", "X-UID", "X-IMAP", "X-IMAPbase",
    };

    /// <summary>The fields for <paramref name="flags"/>, LF-terminated, to put first in the header.</summary>
    public static string Format(MessageFlags flags)
    {
        var fields = new StringBuilder(flags.Has(SystemFlags.Seen) ? "Status: RO\n" : "Status: O\n");
        var status = new StringBuilder();
        if (flags.Has(SystemFlags.Answered))
        {
            status.Append('A');
        }

        if (flags.Has(SystemFlags.Flagged))
        {
            status.Append('F');
        }

        if (flags.Has(SystemFlags.Draft))
        {
            status.Append('T');
        }

        if (flags.Has(SystemFlags.Deleted))
        {
            status.Append('D');
        }

        if (status.Length > 0)
        {
            fields.Append("X-Status: ").Append(status).Append('\n');
        }

        if (flags.Keywords.Count > 0)
        {
            fields.Append("X-Keywords: ").AppendJoin(' ', flags.Keywords.Order(StringComparer.Ordinal)).Append('\n');
        }

        return fields.ToString();
    }

    /// <summary>Whether a field of this name is mailbox metadata.</summary>
    public static bool IsMetadata(string name) => Metadata.Contains(name);

    /// <summary>Folds one metadata field's value into the flags read so far.</summary>
    public static (SystemFlags System, IEnumerable<string> Keywords) Apply(string name, string value, SystemFlags system)
    {
        if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
        {
            return (value.Contains('R', StringComparison.Ordinal) ? system | SystemFlags.Seen : system, []);
        }

        if (name.Equals("X-Status", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var letter in value)
            {
                system |= letter switch
                {
                    'A' => SystemFlags.Answered,
                    'F' => SystemFlags.Flagged,
                    'T' => SystemFlags.Draft,
                    'D' => SystemFlags.Deleted,
                    _ => SystemFlags.None,
                };
            }

            return (system, []);
        }

        if (name.Equals("X-Keywords", StringComparison.OrdinalIgnoreCase))
        {
            return (system, value.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries));
        }

        return (system, []);
    }
}
