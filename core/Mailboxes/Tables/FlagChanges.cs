namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>STORE's three modes (RFC 9051 §6.4.6) over system flags and keywords (keywords compare case-insensitively).</summary>
internal static class FlagChanges
{
    public static MessageFlags Apply(MessageFlags current, FlagChangeMode mode, MessageFlags change)
    {
        var keywords = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        switch (mode)
        {
            case FlagChangeMode.Add:
                keywords.UnionWith(current.Keywords);
                keywords.UnionWith(change.Keywords);
                return new MessageFlags(current.System | change.System, keywords);
            case FlagChangeMode.Remove:
                keywords.UnionWith(current.Keywords);
                keywords.ExceptWith(change.Keywords);
                return new MessageFlags(current.System & ~change.System, keywords);
            case FlagChangeMode.Replace:
                keywords.UnionWith(change.Keywords);
                return new MessageFlags(change.System, keywords);
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown flag change mode.");
        }
    }

    public static bool AreEqual(MessageFlags a, MessageFlags b) =>
        a.System == b.System && new HashSet<string>(a.Keywords, StringComparer.OrdinalIgnoreCase).SetEquals(b.Keywords);
}
