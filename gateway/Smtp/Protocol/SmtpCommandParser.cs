using System.Globalization;
using System.Text;
using MailCloud.Core.Queueing;

namespace MailCloud.Gateway.Smtp.Protocol;

/// <summary>
/// Parses one SMTP command line (without its CRLF) into an <see cref="SmtpCommand"/>, or throws
/// <see cref="SmtpSyntaxException"/> carrying the reply the client should get. Pure: no state, no I/O.
/// </summary>
public static class SmtpCommandParser
{
    /// <summary>RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.</summary>
    public const int MaxCommandLineLength = 512;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static SmtpCommand Parse(ReadOnlySpan<byte> line)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(line);
        }
        catch (DecoderFallbackException)
        {
            throw new SmtpSyntaxException(new SmtpReply(500, "5.5.2", "Command is not valid UTF-8"));
        }

        if (text.Any(char.IsControl))
        {
            throw new SmtpSyntaxException(new SmtpReply(500, "5.5.2", "Command contains control characters"));
        }

        var space = text.IndexOf(' ');
        var verb = (space < 0 ? text : text[..space]).ToUpperInvariant();
        var argument = space < 0 ? "" : text[(space + 1)..];

        return verb switch
        {
            "EHLO" => new HeloCommand(true, ParseHeloIdentity(argument)),
            "HELO" => new HeloCommand(false, ParseHeloIdentity(argument)),
            "MAIL" => ParseMail(argument),
            "RCPT" => ParseRcpt(argument),
            "DATA" => NoArgument(argument, new DataCommand()),
            "BDAT" => ParseBdat(argument),
            "RSET" => NoArgument(argument, new RsetCommand()),
            // RFC 5321 §4.1.1.9: NOOP may carry a string, which is ignored.
            "NOOP" => new NoopCommand(),
            "QUIT" => NoArgument(argument, new QuitCommand()),
            "VRFY" => argument.Length > 0 ? new VrfyCommand(argument) : throw SmtpSyntaxException.Syntax("VRFY needs an argument"),
            "HELP" => new HelpCommand(argument.Length > 0 ? argument : null),
            "STARTTLS" => NoArgument(argument, new StartTlsCommand()),
            "AUTH" => ParseAuth(argument),
            _ => throw SmtpSyntaxException.UnknownCommand(),
        };
    }

    private static SmtpCommand NoArgument(string argument, SmtpCommand command) =>
        argument.Length == 0 ? command : throw SmtpSyntaxException.Syntax("this command takes no argument");

    // RFC 5321 §4.1.1.1: a domain or an address literal. Real clients send single-label host
    // names too, so this checks the characters rather than demanding a fully qualified name.
    private static string ParseHeloIdentity(string argument)
    {
        if (argument.Length is 0 or > 255)
        {
            throw SmtpSyntaxException.Syntax("EHLO/HELO needs a domain or address literal");
        }

        var isLiteral = argument[0] == '[' && argument[^1] == ']' && argument.Length > 2
            && argument[1..^1].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or ':');
        var isName = argument.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' || c > 0x7f && char.IsLetterOrDigit(c));
        return isLiteral || isName ? argument : throw SmtpSyntaxException.Syntax($"'{argument}' is not a domain or address literal");
    }

    private static MailCommand ParseMail(string argument)
    {
        var rest = ExpectKeyword(argument, "FROM:");
        var path = ParsePath(rest, out var remainder);
        var parameters = new MailParameters();
        foreach (var (keyword, value) in ParseParameters(remainder))
        {
            parameters = keyword switch
            {
                "SIZE" when value is not null && value.Length <= 20 && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                    => parameters with { Size = size },
                "SIZE" => throw SmtpSyntaxException.Syntax("SIZE needs a number"),
                "BODY" => parameters with
                {
                    Body = value?.ToUpperInvariant() switch
                    {
                        "7BIT" => MessageBodyType.SevenBit,
                        "8BITMIME" => MessageBodyType.EightBitMime,
                        _ => throw SmtpSyntaxException.BadParameter($"BODY={value} is not supported"),
                    },
                },
                "SMTPUTF8" when value is null => parameters with { SmtpUtf8 = true },
                "RET" => parameters with
                {
                    Return = value?.ToUpperInvariant() switch
                    {
                        "FULL" => DsnReturn.Full,
                        "HDRS" => DsnReturn.Headers,
                        _ => throw SmtpSyntaxException.Syntax("RET must be FULL or HDRS"),
                    },
                },
                // RFC 3461 §4.4: ENVID is xtext of at most 100 characters.
                "ENVID" when value is not null && value.Length <= 100 && XText.TryDecode(value, out var envelopeId)
                    => parameters with { EnvelopeId = envelopeId },
                "ENVID" => throw SmtpSyntaxException.Syntax("ENVID must be xtext of at most 100 characters"),
                // RFC 4954 §5: AUTH= from a relaying MTA; we keep no trust between hosts, so it is accepted and ignored.
                "AUTH" when value is not null => parameters,
                _ => throw SmtpSyntaxException.BadParameter($"MAIL parameter {keyword} is not supported"),
            };
        }

        return new MailCommand(path, parameters);
    }

    private static RcptCommand ParseRcpt(string argument)
    {
        var rest = ExpectKeyword(argument, "TO:");
        var path = ParsePath(rest, out var remainder);
        if (path.Length == 0)
        {
            throw SmtpSyntaxException.Syntax("RCPT TO needs an address");
        }

        var parameters = new RcptParameters();
        foreach (var (keyword, value) in ParseParameters(remainder))
        {
            parameters = keyword switch
            {
                "NOTIFY" => parameters with { Notify = ParseNotify(value) },
                "ORCPT" => parameters with { OriginalRecipient = ParseOriginalRecipient(value) },
                _ => throw SmtpSyntaxException.BadParameter($"RCPT parameter {keyword} is not supported"),
            };
        }

        return new RcptCommand(path, parameters);
    }

    // RFC 3461 §4.1: NEVER, or a comma list of SUCCESS, FAILURE, DELAY.
    private static DsnNotify ParseNotify(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw SmtpSyntaxException.Syntax("NOTIFY needs a value");
        }

        var items = value.ToUpperInvariant().Split(',');
        if (items is ["NEVER"])
        {
            return DsnNotify.Never;
        }

        var notify = DsnNotify.Never;
        foreach (var item in items)
        {
            notify |= item switch
            {
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => throw SmtpSyntaxException.Syntax("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY"),
            };
        }

        return notify;
    }

    // RFC 3461 §4.2: ORCPT=addr-type ";" xtext.
    private static string ParseOriginalRecipient(string? value)
    {
        var semicolon = value?.IndexOf(';') ?? -1;
        if (value is null || semicolon <= 0 || !XText.TryDecode(value[(semicolon + 1)..], out var address) || address.Length == 0)
        {
            throw SmtpSyntaxException.Syntax("ORCPT must be addr-type;xtext");
        }

        return $"{value[..semicolon]};{address}";
    }

    private static BdatCommand ParseBdat(string argument)
    {
        var parts = argument.Split(' ');
        if (parts.Length is < 1 or > 2 || parts[0].Length is 0 or > 18
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw SmtpSyntaxException.Syntax("BDAT needs a chunk size");
        }

        if (parts.Length == 2 && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase))
        {
            throw SmtpSyntaxException.Syntax("BDAT size may only be followed by LAST");
        }

        return new BdatCommand(size, parts.Length == 2);
    }

    private static AuthCommand ParseAuth(string argument)
    {
        var parts = argument.Split(' ');
        if (parts.Length is < 1 or > 2 || parts[0].Length == 0)
        {
            throw SmtpSyntaxException.Syntax("AUTH needs a mechanism");
        }

        return new AuthCommand(parts[0].ToUpperInvariant(), parts.Length == 2 ? parts[1] : null);
    }

    private static string ExpectKeyword(string argument, string keyword)
    {
        if (!argument.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
        {
            throw SmtpSyntaxException.Syntax($"expected {keyword}");
        }

        // Strictly no space after the colon (§4.1.2), but common clients send one; accept it.
        return argument[keyword.Length..].TrimStart(' ');
    }

    /// <summary>
    /// RFC 5321 §4.1.2 Path: "&lt;" [ A-d-l ":" ] Mailbox "&gt;"; the source route is ignored (§C).
    /// Returns the mailbox ("" for the null path) and what follows the closing bracket.
    /// </summary>
    private static string ParsePath(string text, out string remainder)
    {
        if (text.Length < 2 || text[0] != '<')
        {
            throw SmtpSyntaxException.Syntax("address must be enclosed in <>");
        }

        var start = 1;
        if (text[1] == '@')
        {
            var colon = text.IndexOf(':', 1);
            if (colon < 0)
            {
                throw SmtpSyntaxException.Syntax("bad source route");
            }

            start = colon + 1;
        }

        var i = start;
        if (i < text.Length && text[i] == '"')
        {
            for (i++; i < text.Length && text[i] != '"'; i++)
            {
                if (text[i] == '\\')
                {
                    i++;
                }
            }

            i++;
        }

        var close = i < text.Length ? text.IndexOf('>', i) : -1;
        if (close < 0)
        {
            throw SmtpSyntaxException.Syntax("address must be enclosed in <>");
        }

        remainder = text[(close + 1)..];
        if (remainder.Length > 0 && remainder[0] != ' ')
        {
            throw SmtpSyntaxException.Syntax("expected a space after the address");
        }

        return text[start..close];
    }

    /// <summary>esmtp-param *(SP esmtp-param), esmtp-param = esmtp-keyword ["=" esmtp-value] (§4.1.2).</summary>
    private static IEnumerable<(string Keyword, string? Value)> ParseParameters(string text)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = item.IndexOf('=');
            var keyword = (equals < 0 ? item : item[..equals]).ToUpperInvariant();
            var value = equals < 0 ? null : item[(equals + 1)..];
            if (keyword.Length == 0 || !char.IsAsciiLetterOrDigit(keyword[0]) || !keyword.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                throw SmtpSyntaxException.Syntax($"'{item}' is not a parameter");
            }

            if (value is { Length: 0 })
            {
                throw SmtpSyntaxException.Syntax($"parameter {keyword} has an empty value");
            }

            if (!seen.Add(keyword))
            {
                throw SmtpSyntaxException.Syntax($"parameter {keyword} given twice");
            }

            yield return (keyword, value);
        }
    }
}
