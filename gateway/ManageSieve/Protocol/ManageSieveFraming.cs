using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.ManageSieve.Protocol;

/// <summary>
/// Finds the literal marker at the end of a command line (RFC 5804 §4 literal-c2s: "{n+}", and "{n}" which
/// clients may still send and servers accept). Lines themselves are cut by the shared line framing. No I/O.
/// </summary>
public static class ManageSieveFraming
{
    /// <summary>The literal announced at the end of <paramref name="line"/> (without CRLF); false when none is.</summary>
    public static bool TryGetLiteralMarker(ReadOnlySpan<byte> line, out long length, out bool nonSynchronizing)
    {
        // The same "{n}"/"{n+}" syntax as IMAP's (RFC 9051 §4.3, RFC 7888); ManageSieve has no "~{n}" binary form.
        if (ImapFraming.TryGetLiteralMarker(line, out var marker) && !marker.Binary)
        {
            length = marker.Length;
            nonSynchronizing = marker.NonSynchronizing;
            return true;
        }

        length = 0;
        nonSynchronizing = false;
        return false;
    }
}
