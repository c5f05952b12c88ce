namespace MailCloud.Core.Transfer;

/// <summary>Which keywords read from an archive can be IMAP keywords.</summary>
internal static class ArchiveKeywords
{
    /// <summary>An atom (RFC 9051 §9 flag-keyword): no atom-specials, no "]", and not a system flag's backslash.</summary>
    public static bool IsValid(string keyword) =>
        keyword.Length is > 0 and <= 255
        && keyword.All(c => c is > ' ' and < '\x7f' and not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']'));
}
