using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Fuzz.Targets;

/// <summary>
/// imap-fetch: the arguments of FETCH ("1:* (FLAGS BODY.PEEK[HEADER.FIELDS (Subject)])", literals
/// allowed), read as <c>FetchCommand</c> reads them, and the response name of every section.
/// </summary>
public static class ImapFetchTarget
{
    public static void Run(ReadOnlySpan<byte> input) => ImapInput.Read(ImapInput.FirstCommand(input), reader =>
    {
        reader.ReadSequenceSet();
        reader.ExpectSpace();
        foreach (var section in FetchRequest.Parse(reader).Sections)
        {
            _ = section.ResponseName;
        }
    });
}
