using System.Buffers;
using System.Text;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Fuzz.Targets;

/// <summary>Cuts fuzz input into IMAP commands the way <c>ImapSession.ReadCommandAsync</c> does over <c>ConnectionInput</c>.</summary>
internal static class ImapInput
{
    private static readonly int MaxLineLength = new ImapOptions().MaxLineLength;

    /// <summary>
    /// Commands framed as the session reads them: a line (<see cref="LineFraming"/>, as
    /// <c>ConnectionInput</c> cuts it for all three protocols), and for each line ending in a literal marker
    /// that many octets and the next line. The input ends like a connection does: a line too long or an
    /// unfinished line or literal ends it. (Which literals a command may have is the session's
    /// <c>CommandLiteralBudget</c>, not fuzzed here: every literal that fits in the input is taken.)
    /// </summary>
    public static List<ImapCommandText> Commands(ReadOnlySpan<byte> input)
    {
        var commands = new List<ImapCommandText>();
        var lines = new List<CommandLine>();
        var buffer = new ReadOnlySequence<byte>(input.ToArray());
        while (LineFraming.TryReadLine(ref buffer, MaxLineLength, out var line) == LineFraming.LineResult.Complete)
        {
            var bytes = line.ToArray();
            if (!ImapFraming.TryGetLiteralMarker(bytes, out var marker))
            {
                lines.Add(new CommandLine(bytes, null));
                commands.Add(new ImapCommandText(lines));
                lines = [];
                continue;
            }

            if (marker.Length > buffer.Length)
            {
                break;
            }

            lines.Add(new CommandLine(bytes, ImapLiteral.FromBytes(buffer.Slice(0, marker.Length).ToArray())));
            buffer = buffer.Slice(marker.Length);
        }

        return commands;
    }

    /// <summary>The first command of the input, or one empty line; for targets that parse one command's arguments.</summary>
    public static ImapCommandReader FirstCommand(ReadOnlySpan<byte> input)
    {
        var text = input.IndexOf((byte)'\n') < 0 ? [.. input, .. "\r\n"u8] : input;
        return new ImapCommandReader(Commands(text) is [var first, ..] ? first : new ImapCommandText([new CommandLine(Encoding.ASCII.GetBytes(""), null)]));
    }

    /// <summary>Reads a command with <paramref name="read"/>; the refusals the session answers (BAD, NO) are the documented outcome.</summary>
    public static void Read(ImapCommandReader reader, Action<ImapCommandReader> read)
    {
        try
        {
            read(reader);
        }
        catch (ImapSyntaxException)
        {
            // Answered BAD (including SEARCH nested past SearchRequest.MaxNestingDepth).
        }
        catch (ImapNoException)
        {
            // Answered NO (SEARCH CHARSET: BADCHARSET).
        }
    }
}
