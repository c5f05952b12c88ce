using System.Text;
using MailCloud.Core.Mailboxes.Naming;

namespace MailCloud.Fuzz.Targets;

/// <summary>
/// modified-utf7: the input as a mailbox name from the wire (UTF-8 decoded, as <c>ReadAString</c>
/// does) through <see cref="ModifiedUtf7.Decode"/>; and the input as a folder name through
/// <see cref="ModifiedUtf7.Encode"/>, which must decode back to itself (LIST answers a client names
/// it must be able to SELECT).
/// </summary>
public static class ModifiedUtf7Target
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        if (DecodeName(text) is { } decoded)
        {
            RoundTrip(decoded);
        }

        RoundTrip(text);
    }

    /// <summary>As <c>ImapSession.DecodeMailboxName</c>: an invalid encoding is the client's error (FormatException, answered BAD).</summary>
    internal static string? DecodeName(string wire)
    {
        try
        {
            return ModifiedUtf7.Decode(wire);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static void RoundTrip(string name)
    {
        var encoded = ModifiedUtf7.Encode(name);
        var back = ModifiedUtf7.Decode(encoded);
        if (back != name)
        {
            throw new FuzzInvariantException($"Encode wrote '{encoded}', which decodes to a different name");
        }
    }
}
