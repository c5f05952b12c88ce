using System.Text;

namespace MailCloud.Core.Authentication;

/// <summary>
/// Removes arriving Authentication-Results fields that claim our authserv-id (RFC 8601 §5): only we
/// may speak for it, so a sender must not be able to plant a "pass" in our name. A header-section codec:
/// bytes in, bytes out, every other field kept byte for byte.
/// </summary>
public static class AuthenticationResultsFilter
{
    /// <param name="headerSection">The raw header section (folded lines with CRLF, the empty line included or not).</param>
    /// <returns>The section without the forged fields, and how many were removed.</returns>
    public static (byte[] Header, int Removed) RemoveClaimsOf(string authservId, ReadOnlySpan<byte> headerSection)
    {
        using var kept = new MemoryStream(headerSection.Length);
        var removed = 0;
        var start = 0;
        while (start < headerSection.Length)
        {
            var end = FieldEnd(headerSection, start);
            var field = headerSection[start..end];
            if (ClaimsOurId(field, authservId))
            {
                removed++;
            }
            else
            {
                kept.Write(field);
            }

            start = end;
        }

        return (kept.ToArray(), removed);
    }

    /// <summary>A field runs to the end of its last line; continuation lines start with SP or HTAB (RFC 5322 §2.2.3).</summary>
    private static int FieldEnd(ReadOnlySpan<byte> section, int start)
    {
        var position = start;
        while (true)
        {
            var newline = section[position..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                return section.Length;
            }

            position += newline + 1;
            if (position >= section.Length || section[position] is not ((byte)' ' or (byte)'\t'))
            {
                return position;
            }
        }
    }

    private static bool ClaimsOurId(ReadOnlySpan<byte> field, string authservId)
    {
        var colon = field.IndexOf((byte)':');
        if (colon < 0 || !Ascii.EqualsIgnoreCase(field[..colon].TrimEnd(" \t"u8), "Authentication-Results"u8))
        {
            return false;
        }

        // authserv-id = [CFWS] value [CFWS] (RFC 8601 §2.2): skip whitespace and comments, read to ';', space or '('.
        var value = field[(colon + 1)..];
        var i = 0;
        var depth = 0;
        while (i < value.Length && (depth > 0 || value[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'('))
        {
            depth += value[i] == '(' ? 1 : value[i] == ')' ? -1 : 0;
            i++;
        }

        var idStart = i;
        while (i < value.Length && value[i] is not ((byte)';' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'('))
        {
            i++;
        }

        var id = value[idStart..i];
        if (id.Length > 1 && id[0] == '"' && id[^1] == '"')
        {
            id = id[1..^1];
        }

        return Ascii.EqualsIgnoreCase(id, authservId.TrimEnd('.')) || Ascii.EqualsIgnoreCase(id, authservId.TrimEnd('.') + ".");
    }
}
