using MailCloud.Gateway.Pop3.Protocol;

namespace MailCloud.Fuzz.Targets;

/// <summary>pop3-command: every line through <see cref="Pop3CommandParser.TryParse"/>, and its arguments through the number parsers RETR, TOP and the rest use.</summary>
public static class Pop3CommandTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        foreach (var line in FuzzInput.Lines(input))
        {
            if (!Pop3CommandParser.TryParse(line, out var command, out _))
            {
                continue;
            }

            foreach (var argument in command!.Arguments)
            {
                Pop3CommandParser.TryParseNumber(argument, out _);
                Pop3CommandParser.TryParseLineCount(argument, out _);
            }

            Pop3CommandParser.TryParseNumber(command.Argument(0), out _);
        }
    }
}
