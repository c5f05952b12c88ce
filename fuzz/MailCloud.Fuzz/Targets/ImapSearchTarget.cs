using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Fuzz.Targets;

/// <summary>imap-search: the arguments of SEARCH ("RETURN (MIN) CHARSET UTF-8 OR FROM a (SINCE 1-Jan-2025)", literals allowed) through <see cref="SearchRequest.Parse"/>.</summary>
public static class ImapSearchTarget
{
    public static void Run(ReadOnlySpan<byte> input) => ImapInput.Read(ImapInput.FirstCommand(input), reader => SearchRequest.Parse(reader));
}
