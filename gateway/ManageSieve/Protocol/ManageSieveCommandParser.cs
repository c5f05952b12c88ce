using System.Buffers.Text;
using System.Text;

namespace MailCloud.Gateway.ManageSieve.Protocol;

/// <summary>
/// Parses one whole command (RFC 5804 §4): the command name, then arguments separated by one space, each a
/// quoted string, a literal (the "{n+}"/"{n}" marker, CRLF, then n octets, as the session assembled them) or a
/// number, then the end. The bytes given have no final CRLF. Strings must be UTF-8. Pure: no I/O.
/// </summary>
public static class ManageSieveCommandParser
{
    /// <summary>RFC 5804 §4: number = 1*DIGIT, at most 4294967295.</summary>
    public const long MaxNumber = uint.MaxValue;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <exception cref="ManageSieveSyntaxException">The command does not follow the grammar.</exception>
    public static ManageSieveCommand Parse(ReadOnlySpan<byte> command)
    {
        var position = 0;
        while (position < command.Length && IsAtomChar(command[position]))
        {
            position++;
        }

        if (position == 0)
        {
            throw new ManageSieveSyntaxException("Expected a command name.");
        }

        var name = Encoding.ASCII.GetString(command[..position]).ToUpperInvariant();
        var arguments = new List<ManageSieveArgument>();
        while (position < command.Length)
        {
            if (command[position] != (byte)' ' || position + 1 == command.Length)
            {
                throw new ManageSieveSyntaxException("Arguments are separated by one space.");
            }

            position++;
            arguments.Add(ParseArgument(command, ref position));
        }

        return new ManageSieveCommand(name, arguments);
    }

    private static ManageSieveArgument ParseArgument(ReadOnlySpan<byte> command, ref int position) => command[position] switch
    {
        (byte)'"' => new ManageSieveArgument(ParseQuoted(command, ref position), null),
        (byte)'{' => new ManageSieveArgument(ParseLiteral(command, ref position), null),
        >= (byte)'0' and <= (byte)'9' => new ManageSieveArgument(null, ParseNumber(command, ref position)),
        _ => throw new ManageSieveSyntaxException("Expected a string or a number."),
    };

    private static string ParseQuoted(ReadOnlySpan<byte> command, ref int position)
    {
        var content = new List<byte>();
        for (var i = position + 1; i < command.Length; i++)
        {
            var b = command[i];
            switch (b)
            {
                case (byte)'"':
                    position = i + 1;
                    return Decode([.. content]);
                case (byte)'\\':
                    // RFC 5804 §4: only \" and \\ are escapes in a quoted string.
                    if (i + 1 == command.Length || command[i + 1] is not ((byte)'"' or (byte)'\\'))
                    {
                        throw new ManageSieveSyntaxException("A quoted string escapes only \" and \\.");
                    }

                    content.Add(command[++i]);
                    break;
                case (byte)'\r' or (byte)'\n' or 0:
                    throw new ManageSieveSyntaxException("A quoted string cannot hold CR, LF or NUL; send a literal.");
                default:
                    content.Add(b);
                    break;
            }
        }

        throw new ManageSieveSyntaxException("A quoted string is not closed.");
    }

    private static string ParseLiteral(ReadOnlySpan<byte> command, ref int position)
    {
        var close = command[position..].IndexOf("}\r\n"u8);
        if (close < 0)
        {
            throw new ManageSieveSyntaxException("A literal is \"{n+}\" or \"{n}\", CRLF, then n octets.");
        }

        var digits = command.Slice(position + 1, close - 1);
        if (digits.Length > 0 && digits[^1] == (byte)'+')
        {
            digits = digits[..^1];
        }

        if (digits.Length is 0 or > 10 || !Utf8Parser.TryParse(digits, out long length, out var consumed) || consumed != digits.Length || length > MaxNumber)
        {
            throw new ManageSieveSyntaxException("A literal's length is a number.");
        }

        var start = position + close + 3;
        if (command.Length - start < length)
        {
            throw new ManageSieveSyntaxException("The literal is shorter than announced.");
        }

        position = start + (int)length;
        return Decode(command.Slice(start, (int)length));
    }

    private static long ParseNumber(ReadOnlySpan<byte> command, ref int position)
    {
        var end = position;
        while (end < command.Length && command[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }

        if (end - position > 10 || !Utf8Parser.TryParse(command[position..end], out long number, out _) || number > MaxNumber)
        {
            throw new ManageSieveSyntaxException($"A number is at most {MaxNumber}.");
        }

        position = end;
        return number;
    }

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ManageSieveSyntaxException("Strings must be UTF-8.");
        }
    }

    private static bool IsAtomChar(byte b) => b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z');
}
