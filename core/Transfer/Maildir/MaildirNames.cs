using System.Globalization;
using System.Text;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Naming;

namespace MailCloud.Core.Transfer.Maildir;

/// <summary>
/// Names in a Maildir++ tree as Dovecot lays it out by default (https://doc.dovecot.org/main/core/config/mailbox_formats/maildir.html):
/// INBOX is the root, every other folder a directory ".A.B" of modified UTF-7 names (RFC 3501 §5.1.3)
/// joined by "."; a message is a file <c>unique:2,FLAGS</c> whose info letters are the system flags
/// in ASCII order and a..z for the keywords listed in the folder's <c>dovecot-keywords</c>; the
/// order of the messages (their UIDs) is in <c>dovecot-uidlist</c>.
/// </summary>
internal static class MaildirNames
{
    public const string KeywordsFile = "dovecot-keywords";

    public const string UidListFile = "dovecot-uidlist";

    private const string InfoSeparator = ":2,";

    // A "." inside a folder name would read back as a level: it is written as its modified UTF-7 escape.
    private const string EscapedDot = "&AC4-";

    /// <summary>The directory of a folder, relative to the Maildir root ("" for INBOX).</summary>
    public static string FolderDirectory(string folder) =>
        FolderName.IsInbox(folder) ? "" : "." + string.Join('.', folder.Split('/').Select(part => ModifiedUtf7.Encode(part).Replace(".", EscapedDot, StringComparison.Ordinal)));

    /// <summary>The folder a directory of the root holds, or null when the name is no Maildir++ folder.</summary>
    public static string? FolderOf(string directoryName)
    {
        if (directoryName.Length < 2 || directoryName[0] != '.' || directoryName == "..")
        {
            return null;
        }

        try
        {
            return string.Join('/', directoryName[1..].Split('.').Select(ModifiedUtf7.Decode));
        }
        catch (FormatException e)
        {
            throw new ArchiveException($"Maildir folder '{directoryName}' is not modified UTF-7.", e);
        }
    }

    /// <summary>A message file name (Dovecot's shape): a unique base, the size, and the flags.</summary>
    public static string MessageFile(string unique, long size, MessageFlags flags, MaildirKeywords keywords) =>
        string.Create(CultureInfo.InvariantCulture, $"{unique},S={size}{InfoSeparator}{Info(flags, keywords)}");

    /// <summary>The flags a file name's info carries (none when it has no ":2," info).</summary>
    public static MessageFlags FlagsOf(string fileName, MaildirKeywords keywords)
    {
        var system = SystemFlags.None;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var info = fileName.LastIndexOf(InfoSeparator, StringComparison.Ordinal);
        if (info < 0)
        {
            return new MessageFlags(system, names);
        }

        foreach (var letter in fileName.AsSpan(info + InfoSeparator.Length))
        {
            switch (letter)
            {
                case 'D': system |= SystemFlags.Draft; break;
                case 'F': system |= SystemFlags.Flagged; break;
                case 'P': names.Add("$Forwarded"); break;
                case 'R': system |= SystemFlags.Answered; break;
                case 'S': system |= SystemFlags.Seen; break;
                case 'T': system |= SystemFlags.Deleted; break;
                case >= 'a' and <= 'z' when keywords.NameOf(letter) is { } name: names.Add(name); break;
            }
        }

        return new MessageFlags(system, names);
    }

    /// <summary>
    /// A <c>dovecot-uidlist</c> (version 3: a header "3 V&lt;uidvalidity&gt; N&lt;next uid&gt;", then "&lt;uid&gt; :&lt;base name&gt;"
    /// per message) giving the messages UIDs 1, 2, … in the given order, so Dovecot and our reader keep it.
    /// </summary>
    public static string UidList(uint uidValidity, IReadOnlyList<string> baseNames) =>
        string.Create(CultureInfo.InvariantCulture, $"3 V{uidValidity} N{baseNames.Count + 1}\n")
        + string.Concat(baseNames.Select((name, i) => string.Create(CultureInfo.InvariantCulture, $"{i + 1} :{name}\n")));

    /// <summary>The UID of each base name a <c>dovecot-uidlist</c> lists (versions 1 and 3).</summary>
    public static Dictionary<string, uint> ParseUidList(string text)
    {
        var uids = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || !uint.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
            {
                continue;
            }

            // v3 puts extension fields before ":name"; v1 has the name alone.
            var colon = line.IndexOf(':', space);
            var name = colon >= 0 ? line[(colon + 1)..] : line[(space + 1)..];
            uids.TryAdd(name.Trim(), uid);
        }

        return uids;
    }

    /// <summary>The base name of a message file: before its ":2," info.</summary>
    public static string BaseName(string fileName)
    {
        var info = fileName.IndexOf(':', StringComparison.Ordinal);
        return info < 0 ? fileName : fileName[..info];
    }

    private static string Info(MessageFlags flags, MaildirKeywords keywords)
    {
        var info = new StringBuilder();
        void Add(bool present, char letter)
        {
            if (present)
            {
                info.Append(letter);
            }
        }

        Add(flags.Has(SystemFlags.Draft), 'D');
        Add(flags.Has(SystemFlags.Flagged), 'F');
        Add(flags.Keywords.Contains("$Forwarded"), 'P');
        Add(flags.Has(SystemFlags.Answered), 'R');
        Add(flags.Has(SystemFlags.Seen), 'S');
        Add(flags.Has(SystemFlags.Deleted), 'T');
        var letters = flags.Keywords
            .Where(k => !k.Equals("$Forwarded", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(keywords.LetterOf)
            .OfType<char>()
            .Order();
        return info.Append(string.Concat(letters)).ToString();
    }
}

/// <summary>
/// A folder's <c>dovecot-keywords</c>: lines "N name", keyword N written as letter 'a' + N in file
/// names. Only 26 fit; a message's further keywords are not written (Dovecot has the same limit).
/// </summary>
internal sealed class MaildirKeywords
{
    private const int MaxKeywords = 26;
    private readonly List<string> _names = [];

    private bool _changed;

    public static MaildirKeywords Parse(string text)
    {
        var keywords = new MaildirKeywords();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < MaxKeywords)
            {
                while (keywords._names.Count <= index)
                {
                    keywords._names.Add("");
                }

                keywords._names[index] = line[(space + 1)..];
            }
        }

        return keywords;
    }

    public string? NameOf(char letter) => letter - 'a' < _names.Count && _names[letter - 'a'] is { Length: > 0 } name && ArchiveKeywords.IsValid(name) ? name : null;

    /// <summary>The letter of a keyword, given one if it has none yet; null when all 26 are taken.</summary>
    public char? LetterOf(string keyword)
    {
        var index = _names.FindIndex(n => n.Equals(keyword, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            if (_names.Count == MaxKeywords)
            {
                return null;
            }

            _names.Add(keyword);
            _changed = true;
            index = _names.Count - 1;
        }

        return (char)('a' + index);
    }

    /// <summary>Whether a keyword was added since the last call.</summary>
    public bool TakeChanges()
    {
        var changed = _changed;
        _changed = false;
        return changed;
    }

    public string Format() => string.Concat(_names.Select((name, i) => name.Length == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"{i} {name}\n")));
}
