using System.Text;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// HEADER.FIELDS and HEADER.FIELDS.NOT (RFC 9051 §6.4.5) on the raw bytes of a header section:
/// every field, folded lines and all, whose name is (or is not) listed, in the order received,
/// then the blank line. Working on the bytes keeps fields a MIME parser files elsewhere (the
/// Content-* fields of an encapsulated message) and gives what Dovecot gives byte for byte.
/// </summary>
public static class HeaderFieldFilter
{
    public static byte[] Select(ReadOnlySpan<byte> header, IReadOnlySet<string> names, bool include)
    {
        var output = new MemoryStream();
        var keep = false;
        while (!header.IsEmpty)
        {
            var newline = header.IndexOf((byte)'\n');
            var line = newline < 0 ? header : header[..(newline + 1)];
            header = header[line.Length..];
            if (line.TrimEnd("\r\n"u8).IsEmpty)
            {
                // The blank line that ends the header.
                break;
            }

            // RFC 5322 §2.2.3: a line starting with white space continues the field before it.
            if (line[0] is not ((byte)' ' or (byte)'\t'))
            {
                var colon = line.IndexOf((byte)':');
                var name = colon < 0 ? "" : Encoding.UTF8.GetString(line[..colon].TrimEnd(" \t"u8));
                keep = colon >= 0 && names.Contains(name) == include;
            }

            if (keep)
            {
                output.Write(line);
            }
        }

        // RFC 9051 §6.4.5: the blank line that ends a header is part of HEADER.FIELDS.
        output.Write("\r\n"u8);
        return output.ToArray();
    }
}
