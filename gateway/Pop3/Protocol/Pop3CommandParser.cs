using System.Text;

namespace MailCloud.Gateway.Pop3.Protocol;

/// <summary>Parses command lines (without CRLF). No I/O; the session decides what a command means.</summary>
public static class Pop3CommandParser
{
    /// <summary>RFC 1939 §3: keywords are three or four characters.</summary>
    private const int MaxKeywordLength = 4;

    /// <summary>RFC 1939 §3 allows 40 characters; RFC 2449 §4 lifts that to 255 octets for the line.</summary>
    private const int MaxArguments = 8;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>False, with a reason for the -ERR reply, when the line is not a well-formed command.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out Pop3Command? command, out string error)
    {
        command = null;
        error = "";
        string text;
        try
        {
            text = StrictUtf8.GetString(line);
        }
        catch (DecoderFallbackException)
        {
            error = "Command is not valid UTF-8";
            return false;
        }

        if (text.Any(char.IsControl))
        {
            error = "Control characters are not allowed in commands";
            return false;
        }

        // PASS takes the rest of the line, spaces included (RFC 1939 §7 leaves this to the server; Dovecot does the same).
        var space = text.IndexOf(' ');
        var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
        if (keyword.Length is < 3 or > MaxKeywordLength || !keyword.All(char.IsAsciiLetter))
        {
            error = "Unknown command";
            return false;
        }

        var rest = space < 0 ? "" : text[(space + 1)..];
        IReadOnlyList<string> arguments = keyword == "PASS"
            ? [rest]
            : rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (arguments.Count > MaxArguments)
        {
            error = "Too many arguments";
            return false;
        }

        command = new Pop3Command(keyword, space < 0 && keyword == "PASS" ? [] : arguments);
        return true;
    }

    /// <summary>A message number argument: a positive decimal without sign or leading junk.</summary>
    public static bool TryParseNumber(string? argument, out int number)
    {
        number = 0;
        return argument is { Length: > 0 and <= 9 } && argument.All(char.IsAsciiDigit) && int.TryParse(argument, out number) && number > 0;
    }

    /// <summary>TOP's line count may be zero.</summary>
    public static bool TryParseLineCount(string? argument, out int lines)
    {
        lines = 0;
        return argument is { Length: > 0 and <= 9 } && argument.All(char.IsAsciiDigit) && int.TryParse(argument, out lines);
    }
}
