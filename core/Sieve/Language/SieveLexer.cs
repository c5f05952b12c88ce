using System.Text;

namespace MailCloud.Core.Sieve.Language;

/// <summary>Cuts a script into tokens (RFC 5228 §8.1). No I/O; positions are 1-based lines and columns.</summary>
internal sealed class SieveLexer(string text)
{
    private int _position;
    private int _line = 1;
    private int _lineStart;

    public SieveToken Next()
    {
        SkipWhitespaceAndComments();
        int line = _line, column = Column;
        if (_position >= text.Length)
        {
            return new SieveToken(SieveTokenKind.End, "", 0, line, column);
        }

        char c = text[_position];
        switch (c)
        {
            case '[': _position++; return Punctuation(SieveTokenKind.LeftBracket, line, column);
            case ']': _position++; return Punctuation(SieveTokenKind.RightBracket, line, column);
            case '(': _position++; return Punctuation(SieveTokenKind.LeftParen, line, column);
            case ')': _position++; return Punctuation(SieveTokenKind.RightParen, line, column);
            case '{': _position++; return Punctuation(SieveTokenKind.LeftBrace, line, column);
            case '}': _position++; return Punctuation(SieveTokenKind.RightBrace, line, column);
            case ',': _position++; return Punctuation(SieveTokenKind.Comma, line, column);
            case ';': _position++; return Punctuation(SieveTokenKind.Semicolon, line, column);
            case '"': return QuotedString(line, column);
            case ':':
                _position++;
                if (_position >= text.Length || !IsIdentifierStart(text[_position]))
                {
                    throw new SieveSyntaxException(line, column, "a tag needs a name after ':'");
                }
                return new SieveToken(SieveTokenKind.Tag, Identifier(), 0, line, column);
        }

        if (char.IsAsciiDigit(c))
        {
            return NumberToken(line, column);
        }
        if (IsIdentifierStart(c))
        {
            string name = Identifier();
            // RFC 5228 §8.1: multi-line = "text:" *(SP / HTAB) (hash-comment / CRLF)
            if (name == "text" && _position < text.Length && text[_position] == ':')
            {
                _position++;
                return MultiLineString(line, column);
            }
            return new SieveToken(SieveTokenKind.Identifier, name, 0, line, column);
        }
        throw new SieveSyntaxException(line, column, $"unexpected character '{Printable(c)}'");
    }

    private int Column => _position - _lineStart + 1;

    private static SieveToken Punctuation(SieveTokenKind kind, int line, int column) => new(kind, "", 0, line, column);

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();

    private void NewLine()
    {
        _line++;
        _lineStart = _position;
    }

    private void SkipWhitespaceAndComments()
    {
        while (_position < text.Length)
        {
            char c = text[_position];
            if (c == '\n')
            {
                _position++;
                NewLine();
            }
            else if (c is ' ' or '\t' or '\r')
            {
                _position++;
            }
            else if (c == '#')
            {
                while (_position < text.Length && text[_position] != '\n')
                {
                    _position++;
                }
            }
            else if (c == '/' && _position + 1 < text.Length && text[_position + 1] == '*')
            {
                int line = _line, column = Column;
                _position += 2;
                while (true)
                {
                    if (_position + 1 >= text.Length)
                    {
                        throw new SieveSyntaxException(line, column, "unterminated comment");
                    }
                    if (text[_position] == '*' && text[_position + 1] == '/')
                    {
                        _position += 2;
                        break;
                    }
                    _position++;
                    if (text[_position - 1] == '\n')
                    {
                        NewLine();
                    }
                }
            }
            else
            {
                return;
            }
        }
    }

    private string Identifier()
    {
        int start = _position;
        while (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
        {
            _position++;
        }
        return text[start.._position].ToLowerInvariant();
    }

    private SieveToken NumberToken(int line, int column)
    {
        long value = 0;
        while (_position < text.Length && char.IsAsciiDigit(text[_position]))
        {
            value = value * 10 + (text[_position] - '0');
            _position++;
            if (value > int.MaxValue * 1024L * 1024 * 1024)
            {
                throw new SieveSyntaxException(line, column, "number too large");
            }
        }
        // RFC 5228 §2.4.1: K, M and G multiply by 2^10, 2^20 and 2^30.
        if (_position < text.Length)
        {
            int shift = char.ToUpperInvariant(text[_position]) switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 };
            if (shift > 0)
            {
                _position++;
                value <<= shift;
            }
        }
        if (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
        {
            throw new SieveSyntaxException(line, column, "invalid number");
        }
        return new SieveToken(SieveTokenKind.Number, "", value, line, column);
    }

    private SieveToken QuotedString(int line, int column)
    {
        _position++;
        var value = new StringBuilder();
        while (true)
        {
            if (_position >= text.Length)
            {
                throw new SieveSyntaxException(line, column, "unterminated string");
            }
            char c = text[_position++];
            if (c == '"')
            {
                return new SieveToken(SieveTokenKind.String, value.ToString(), 0, line, column);
            }
            if (c == '\\')
            {
                if (_position >= text.Length)
                {
                    throw new SieveSyntaxException(line, column, "unterminated string");
                }
                // RFC 5228 §2.4.2: "\\" is a backslash, "\"" a quote; any other escape is the character alone.
                c = text[_position++];
            }
            if (c == '\n')
            {
                NewLine();
            }
            value.Append(c);
        }
    }

    private SieveToken MultiLineString(int line, int column)
    {
        while (_position < text.Length && text[_position] is ' ' or '\t')
        {
            _position++;
        }
        if (_position < text.Length && text[_position] == '#')
        {
            while (_position < text.Length && text[_position] != '\n')
            {
                _position++;
            }
        }
        else if (_position < text.Length && text[_position] == '\r')
        {
            _position++;
        }
        if (_position >= text.Length || text[_position] != '\n')
        {
            throw new SieveSyntaxException(line, column, "\"text:\" must be followed by the end of the line");
        }
        _position++;
        NewLine();

        var value = new StringBuilder();
        while (true)
        {
            if (_position >= text.Length)
            {
                throw new SieveSyntaxException(line, column, "unterminated multi-line string (no line with a single '.')");
            }
            int end = text.IndexOf('\n', _position);
            int lineEnd = end < 0 ? text.Length : end;
            string content = text[_position..lineEnd];
            if (content.EndsWith('\r'))
            {
                content = content[..^1];
            }
            _position = end < 0 ? text.Length : end + 1;
            if (end >= 0)
            {
                NewLine();
            }
            if (content == ".")
            {
                if (end < 0)
                {
                    throw new SieveSyntaxException(line, column, "unterminated multi-line string (no CRLF after the final '.')");
                }
                return new SieveToken(SieveTokenKind.String, value.ToString(), 0, line, column);
            }
            if (end < 0)
            {
                throw new SieveSyntaxException(line, column, "unterminated multi-line string (no line with a single '.')");
            }
            // RFC 5228 §2.4.2: a line starting with "." is dot-stuffed; the first "." is removed.
            value.Append(content.StartsWith('.') ? content[1..] : content).Append("\r\n");
        }
    }
}
