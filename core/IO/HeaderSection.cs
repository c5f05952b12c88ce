namespace MailCloud.Core.IO;

/// <summary>Where a message's header section ends, on raw bytes.</summary>
public static class HeaderSection
{
    /// <summary>RFC 5322 §2.1: an empty line ends the header section (a bare LF is accepted too).</summary>
    public static bool EndsWithin(ReadOnlySpan<byte> bytes) =>
        bytes.IndexOf("\n\r\n"u8) >= 0 || bytes.IndexOf("\n\n"u8) >= 0;
}
