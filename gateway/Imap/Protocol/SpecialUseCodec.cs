using MailCloud.Core.Mailboxes;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>The special-use attributes of RFC 6154 §2 that a folder can have here, both ways.</summary>
public static class SpecialUseCodec
{
    private static readonly (SpecialUse Use, string Attribute)[] Attributes =
    [
        (SpecialUse.Sent, "\\Sent"),
        (SpecialUse.Drafts, "\\Drafts"),
        (SpecialUse.Trash, "\\Trash"),
        (SpecialUse.Junk, "\\Junk"),
        (SpecialUse.Archive, "\\Archive"),
    ];

    /// <summary>The attribute LIST shows for <paramref name="use"/>; null for none (INBOX is no special use in RFC 6154).</summary>
    public static string? Attribute(SpecialUse use) =>
        Attributes.FirstOrDefault(a => a.Use == use).Attribute;

    /// <summary>The special use an attribute names (any case), or false for one this server does not keep (\All, \Flagged, unknown).</summary>
    public static bool TryParse(string attribute, out SpecialUse use)
    {
        use = Attributes.FirstOrDefault(a => a.Attribute.Equals(attribute, StringComparison.OrdinalIgnoreCase)).Use;
        return use != SpecialUse.None;
    }
}
