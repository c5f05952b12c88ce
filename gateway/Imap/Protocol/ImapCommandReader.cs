using System.Globalization;
using System.Text;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// A cursor over one received command (RFC 9051 §9 formal syntax): reads tags, atoms, strings
/// (quoted or literal), numbers, lists and dates, across the literals that split the command into
/// lines. Throws <see cref="ImapSyntaxException"/> when the input does not match. Pure: no I/O.
/// </summary>
public sealed class ImapCommandReader
{
    private readonly IReadOnlyList<CommandLine> _lines;
    private int _lineIndex;
    private int _position;

    public ImapCommandReader(ImapCommandText command)
    {
        _lines = command.Lines;
    }

    private ReadOnlySpan<byte> Line => _lines[_lineIndex].Text.Span;

    /// <summary>True when nothing but the end of the command is left.</summary>
    public bool AtEnd => _position >= Line.Length && _lineIndex == _lines.Count - 1;

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw new ImapSyntaxException("Unexpected characters at end of command");
        }
    }

    public byte? Peek() => _position < Line.Length ? Line[_position] : null;

    public bool TryConsume(char c)
    {
        if (Peek() == (byte)c)
        {
            _position++;
            return true;
        }

        return false;
    }

    public void Expect(char c)
    {
        if (!TryConsume(c))
        {
            throw new ImapSyntaxException($"Expected '{c}'");
        }
    }

    public void ExpectSpace() => Expect(' ');

    /// <summary>Consumes <paramref name="word"/> (case-insensitive) when it is next and is followed by a delimiter.</summary>
    public bool TryConsumeWord(string word)
    {
        var rest = Line[_position..];
        if (rest.Length < word.Length)
        {
            return false;
        }

        for (var i = 0; i < word.Length; i++)
        {
            if (char.ToUpperInvariant((char)rest[i]) != char.ToUpperInvariant(word[i]))
            {
                return false;
            }
        }

        if (rest.Length > word.Length && IsAtomChar(rest[word.Length]) && IsAtomChar((byte)word[^1]))
        {
            return false;
        }

        _position += word.Length;
        return true;
    }

    /// <summary>tag = 1*&lt;any ASTRING-CHAR except "+"&gt;.</summary>
    public string ReadTag()
    {
        var start = _position;
        while (_position < Line.Length && IsAStringChar(Line[_position]) && Line[_position] != (byte)'+')
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapSyntaxException("Missing tag");
        }

        return Encoding.ASCII.GetString(Line[start.._position]);
    }

    /// <summary>An atom; with <paramref name="stopAtBracket"/> it ends before "[" (FETCH item names such as BODY.PEEK[).</summary>
    public string ReadAtom(bool stopAtBracket = false)
    {
        var start = _position;
        while (_position < Line.Length && IsAtomChar(Line[_position]) && !(stopAtBracket && Line[_position] == (byte)'['))
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapSyntaxException("Expected an atom");
        }

        return Encoding.ASCII.GetString(Line[start.._position]);
    }

    /// <summary>A flag: "\" atom or a keyword atom (RFC 9051 §2.3.2).</summary>
    public string ReadFlag()
    {
        if (TryConsume('\\'))
        {
            return "\\" + ReadAtom();
        }

        return ReadAtom();
    }

    /// <summary>A parenthesized list of flags, or a bare list of flags when <paramref name="allowBare"/> (STORE).</summary>
    public IReadOnlyList<string> ReadFlagList(bool allowBare = false)
    {
        var flags = new List<string>();
        var parenthesized = TryConsume('(');
        if (!parenthesized && !allowBare)
        {
            throw new ImapSyntaxException("Expected a flag list");
        }

        if (parenthesized && TryConsume(')'))
        {
            return flags;
        }

        while (true)
        {
            flags.Add(ReadFlag());
            if (parenthesized && TryConsume(')'))
            {
                return flags;
            }

            if (!parenthesized && Peek() != (byte)' ')
            {
                return flags;
            }

            ExpectSpace();
        }
    }

    public uint ReadNumber()
    {
        var value = ReadNumber64();
        if (value > uint.MaxValue)
        {
            throw new ImapSyntaxException("Number too large");
        }

        return (uint)value;
    }

    public ulong ReadNumber64()
    {
        var start = _position;
        ulong value = 0;
        while (_position < Line.Length && Line[_position] is >= (byte)'0' and <= (byte)'9')
        {
            var next = (value * 10) + (ulong)(Line[_position] - '0');
            if (next / 10 != value || next > long.MaxValue)
            {
                throw new ImapSyntaxException("Number too large");
            }

            value = next;
            _position++;
        }

        if (_position == start)
        {
            throw new ImapSyntaxException("Expected a number");
        }

        return value;
    }

    public string ReadAString() => Encoding.UTF8.GetString(ReadAStringBytes());

    public byte[] ReadAStringBytes()
    {
        if (AtString)
        {
            return ReadStringBytes();
        }

        var start = _position;
        while (_position < Line.Length && IsAStringChar(Line[_position]))
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapSyntaxException("Expected a string");
        }

        return Line[start.._position].ToArray();
    }

    /// <summary>list-mailbox = 1*list-char / string: an astring that may also hold the wildcards "%" and "*" (RFC 9051 §6.3.9).</summary>
    public string ReadListMailbox()
    {
        if (AtString)
        {
            return ReadString();
        }

        var start = _position;
        while (_position < Line.Length && (IsAStringChar(Line[_position]) || Line[_position] is (byte)'%' or (byte)'*'))
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapSyntaxException("Expected a mailbox pattern");
        }

        return Encoding.UTF8.GetString(Line[start.._position]);
    }

    /// <summary>
    /// True when a quoted string or literal starts here. "~" is an atom character; only "~{" starts
    /// a literal8 (RFC 3516 §4.1), so "~foo" is an atom.
    /// </summary>
    private bool AtString =>
        Peek() is (byte)'"' or (byte)'{' || (Peek() == (byte)'~' && _position + 1 < Line.Length && Line[_position + 1] == (byte)'{');

    public string? ReadNString()
    {
        if (TryConsumeWord("NIL"))
        {
            return null;
        }

        return Encoding.UTF8.GetString(ReadStringBytes());
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadStringBytes());

    /// <summary>string = quoted / literal.</summary>
    public byte[] ReadStringBytes()
    {
        if (TryConsume('"'))
        {
            return ReadQuotedRest();
        }

        if (Peek() == (byte)'~')
        {
            // RFC 3516 §4.4: a literal8 is APPEND's message data only, never a string (Dovecot's words).
            throw new ImapSyntaxException("literal8 not allowed here");
        }

        return ReadLiteral().ToArray();
    }

    /// <summary>A literal at this point: "{n}" (or "{n+}", or the literal8 "~{n}" of RFC 3516) ending the current line, whose octets follow.</summary>
    public ImapLiteral ReadLiteral()
    {
        if (!ImapFraming.TryGetLiteralMarker(Line[_position..], out _) || _lines[_lineIndex].Literal is not { } literal)
        {
            throw new ImapSyntaxException("Expected a literal");
        }

        _lineIndex++;
        _position = 0;
        return literal;
    }

    /// <summary>date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE.</summary>
    public DateTimeOffset ReadDateTime()
    {
        Expect('"');
        var text = Encoding.ASCII.GetString(ReadQuotedRest());
        if (!DateTimeOffset.TryParseExact(text.TrimStart(), ["d-MMM-yyyy HH:mm:ss zzz", "dd-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            && !TryParseNumericZone(text.TrimStart(), out value))
        {
            throw new ImapSyntaxException("Invalid date-time");
        }

        return value;
    }

    /// <summary>date = date-text / DQUOTE date-text DQUOTE, date-text = d-MMM-yyyy (SEARCH).</summary>
    public DateOnly ReadDate()
    {
        var text = Peek() == (byte)'"' ? ReadString() : ReadAtom();
        if (!DateOnly.TryParseExact(text, ["d-MMM-yyyy", "dd-MMM-yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw new ImapSyntaxException("Invalid date");
        }

        return date;
    }

    /// <summary>Reads a sequence set ("1:4,7,9:*"), or "$" for the saved search result (RFC 5182, not supported).</summary>
    public SequenceSet ReadSequenceSet()
    {
        var start = _position;
        while (_position < Line.Length && (IsAtomChar(Line[_position]) || Line[_position] == (byte)'*'))
        {
            _position++;
        }

        return SequenceSet.Parse(Encoding.ASCII.GetString(Line[start.._position]));
    }

    /// <summary>True when the next token could be a sequence set (a digit or "*").</summary>
    public bool AtSequenceSet => Peek() is >= (byte)'0' and <= (byte)'9' or (byte)'*';

    private byte[] ReadQuotedRest()
    {
        var output = new List<byte>();
        while (true)
        {
            if (_position >= Line.Length)
            {
                throw new ImapSyntaxException("Unterminated quoted string");
            }

            var b = Line[_position++];
            if (b == (byte)'"')
            {
                return [.. output];
            }

            if (b == (byte)'\\')
            {
                if (_position >= Line.Length || Line[_position] is not ((byte)'"' or (byte)'\\'))
                {
                    throw new ImapSyntaxException("Invalid escape in quoted string");
                }

                b = Line[_position++];
            }

            output.Add(b);
        }
    }

    private static bool TryParseNumericZone(string text, out DateTimeOffset value)
    {
        // The zone is ("+" / "-") 4DIGIT; .NET's "zzz" wants a colon.
        value = default;
        if (text.Length < 5 || text[^5] is not ('+' or '-'))
        {
            return false;
        }

        var withColon = text[..^2] + ":" + text[^2..];
        return DateTimeOffset.TryParseExact(withColon, ["d-MMM-yyyy HH:mm:ss zzz", "dd-MMM-yyyy HH:mm:ss zzz"], CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    /// <summary>ATOM-CHAR: any CHAR except atom-specials: ( ) { SP CTL % * " \ ].</summary>
    public static bool IsAtomChar(byte b) =>
        b is > 0x20 and < 0x7f and not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']')
        || b >= 0x80;

    /// <summary>ASTRING-CHAR = ATOM-CHAR / resp-specials ("]").</summary>
    public static bool IsAStringChar(byte b) => IsAtomChar(b) || b == (byte)']';
}
