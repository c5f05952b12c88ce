using System.Buffers;
using System.Text;
using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Tests.Imap.Protocol;

/// <summary>Builds parsed commands from text the way the session frames them: one line per literal.</summary>
internal static class ProtocolTestInput
{
    /// <summary>A reader over "<paramref name="lines"/>", where each element after the first follows a literal given in <paramref name="literals"/>.</summary>
    public static ImapCommandReader Reader(string line, params string[] literalsThenLines)
    {
        var lines = new List<CommandLine>();
        var current = line;
        for (var i = 0; i < literalsThenLines.Length; i += 2)
        {
            lines.Add(new CommandLine(Encoding.UTF8.GetBytes(current), ImapLiteral.FromBytes(Encoding.UTF8.GetBytes(literalsThenLines[i]))));
            current = literalsThenLines[i + 1];
        }

        lines.Add(new CommandLine(Encoding.UTF8.GetBytes(current), null));
        return new ImapCommandReader(new ImapCommandText(lines));
    }

    public static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.UTF8.GetBytes(text));
}
