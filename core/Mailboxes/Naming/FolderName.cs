using System.Text;

namespace MailCloud.Core.Mailboxes.Naming;

/// <summary>
/// Validates and normalizes folder names. Names are only ever keys in the account's folder
/// list (never blob paths), but they are still refused when they could confuse a client or
/// an operator: empty levels, "." and "..", control characters and IMAP wildcards.
/// </summary>
public static class FolderName
{
    public const string Inbox = "INBOX";
    public const char Delimiter = '/';

    /// <summary>Longest accepted name in UTF-16 code units (Dovecot's default limit is similar).</summary>
    public const int MaxLength = 255;

    /// <summary>
    /// Returns the canonical form of <paramref name="name"/>: "INBOX" as the first level is
    /// matched case-insensitively (RFC 9051 §5.1); everything else is case-sensitive.
    /// </summary>
    /// <exception cref="InvalidFolderNameException">The name is not acceptable.</exception>
    public static string Normalize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            throw new InvalidFolderNameException(name, "it is empty");
        }

        if (name.Length > MaxLength)
        {
            throw new InvalidFolderNameException(name, $"it is longer than {MaxLength} characters");
        }

        foreach (var rune in EnumerateRunes(name))
        {
            if (Rune.IsControl(rune))
            {
                throw new InvalidFolderNameException(name, "it contains a control character");
            }

            // RFC 9051 §6.3.9: '*' and '%' are LIST wildcards; a folder named with them could never be listed exactly.
            if (rune.Value is '*' or '%')
            {
                throw new InvalidFolderNameException(name, "it contains an IMAP wildcard");
            }
        }

        var levels = name.Split(Delimiter);
        foreach (var level in levels)
        {
            if (level.Length == 0)
            {
                throw new InvalidFolderNameException(name, "it has an empty hierarchy level");
            }

            if (level is "." or "..")
            {
                throw new InvalidFolderNameException(name, "it has a '.' or '..' hierarchy level");
            }
        }

        if (levels[0].Equals(Inbox, StringComparison.OrdinalIgnoreCase))
        {
            levels[0] = Inbox;
            return string.Join(Delimiter, levels);
        }

        return name;
    }

    public static bool IsInbox(string normalizedName) => normalizedName == Inbox;

    /// <summary>True when <paramref name="name"/> is <paramref name="ancestor"/> itself or lies below it.</summary>
    public static bool IsSameOrBelow(string name, string ancestor) =>
        name == ancestor || name.StartsWith(ancestor + Delimiter, StringComparison.Ordinal);

    /// <summary>The superior names of a name, outermost first: "a/b/c" gives "a", "a/b".</summary>
    public static IEnumerable<string> Superiors(string normalizedName)
    {
        for (var i = normalizedName.IndexOf(Delimiter); i >= 0; i = normalizedName.IndexOf(Delimiter, i + 1))
        {
            yield return normalizedName[..i];
        }
    }

    private static IEnumerable<Rune> EnumerateRunes(string name)
    {
        var remaining = name.AsMemory();
        while (!remaining.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(remaining.Span, out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                throw new InvalidFolderNameException(name, "it is not valid Unicode");
            }

            yield return rune;
            remaining = remaining[consumed..];
        }
    }
}
