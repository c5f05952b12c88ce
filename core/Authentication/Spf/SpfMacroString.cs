using System.Text;

namespace MailCloud.Core.Authentication.Spf;

/// <summary>
/// A macro-string (RFC 7208 §7.1), checked at parse time and expanded at evaluation time.
/// Expansion of one macro: take the letter's value, split it on the delimiters (default "."),
/// reverse if asked, keep the rightmost N parts, join with "."; an upper-case letter URL-escapes the result.
/// </summary>
public sealed class SpfMacroString
{
    private readonly IReadOnlyList<Token> _tokens;

    private SpfMacroString(string text, IReadOnlyList<Token> tokens)
    {
        Text = text;
        _tokens = tokens;
    }

    public string Text { get; }

    /// <summary>True when the string ends in a macro-expand (RFC 7208 §7.1 domain-end, second form).</summary>
    public bool EndsWithMacro => _tokens.Count > 0 && _tokens[^1] is not Literal;

    /// <summary>The literal text after the last macro-expand.</summary>
    public string TrailingLiteral => _tokens.Count > 0 && _tokens[^1] is Literal literal ? literal.Text : "";

    public bool UsesValidatedName => _tokens.OfType<Macro>().Any(m => m.Letter == 'p');

    /// <param name="explanation">Explanation text (exp= TXT): SP is literal and c, r, t are allowed (§7.2).</param>
    /// <exception cref="SpfSyntaxException">Not a macro-string.</exception>
    public static SpfMacroString Parse(string text, bool explanation)
    {
        var tokens = new List<Token>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '%')
            {
                // macro-literal = %x21-24 / %x26-7E; explain-string adds SP.
                if (c is < '!' or > '~' && !(explanation && c == ' '))
                {
                    throw new SpfSyntaxException($"character U+{(int)c:X4} is not allowed in '{text}'");
                }

                literal.Append(c);
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw new SpfSyntaxException($"'%' at the end of '{text}'");
            }

            var next = text[++i];
            switch (next)
            {
                case '%':
                    Flush(literal, tokens);
                    tokens.Add(new Escape("%"));
                    continue;
                case '_':
                    Flush(literal, tokens);
                    tokens.Add(new Escape(" "));
                    continue;
                case '-':
                    Flush(literal, tokens);
                    tokens.Add(new Escape("%20"));
                    continue;
                case '{':
                    Flush(literal, tokens);
                    var end = text.IndexOf('}', i);
                    if (end < 0)
                    {
                        throw new SpfSyntaxException($"unterminated macro in '{text}'");
                    }

                    tokens.Add(ParseMacro(text[(i + 1)..end], explanation, text));
                    i = end;
                    continue;
                default:
                    // §7.1: '%' followed by anything else is a syntax error.
                    throw new SpfSyntaxException($"'%{next}' is not a macro in '{text}'");
            }
        }

        Flush(literal, tokens);
        return new SpfMacroString(text, tokens);
    }

    public async ValueTask<string> ExpandAsync(SpfMacroContext context, CancellationToken cancellationToken)
    {
        var result = new StringBuilder();
        foreach (var token in _tokens)
        {
            switch (token)
            {
                case Literal literal:
                    result.Append(literal.Text);
                    break;
                case Escape escape:
                    result.Append(escape.Text);
                    break;
                case Macro macro:
                    var value = await context.ValueOfAsync(macro.Letter, cancellationToken).ConfigureAwait(false);
                    var expanded = Transform(value, macro);
                    // §7.3: upper-case macro letters are URL-escaped (RFC 3986 unreserved characters stay).
                    result.Append(macro.Escaped ? Uri.EscapeDataString(expanded) : expanded);
                    break;
            }
        }

        return result.ToString();
    }

    private static Macro ParseMacro(string body, bool explanation, string text)
    {
        if (body.Length == 0)
        {
            throw new SpfSyntaxException($"empty macro in '{text}'");
        }

        var letter = char.ToLowerInvariant(body[0]);
        var allowed = explanation ? "slodipvhcrt" : "slodipvh";
        if (!allowed.Contains(letter, StringComparison.Ordinal) || !char.IsAsciiLetter(body[0]))
        {
            throw new SpfSyntaxException($"macro letter '{body[0]}' is not allowed here in '{text}'");
        }

        var i = 1;
        while (i < body.Length && char.IsAsciiDigit(body[i]))
        {
            i++;
        }

        int? parts = null;
        if (i > 1)
        {
            // §7.3: a DIGIT transformer must be nonzero.
            if (!int.TryParse(body.AsSpan(1, i - 1), out var count) || count == 0)
            {
                throw new SpfSyntaxException($"bad digit transformer in '{text}'");
            }

            parts = count;
        }

        var reverse = false;
        if (i < body.Length && body[i] is 'r' or 'R')
        {
            reverse = true;
            i++;
        }

        var delimiters = body[i..];
        if (delimiters.Any(d => !".-+,/_=".Contains(d, StringComparison.Ordinal)))
        {
            throw new SpfSyntaxException($"bad delimiter in '{text}'");
        }

        return new Macro(letter, char.IsAsciiLetterUpper(body[0]), parts, reverse, delimiters.Length == 0 ? "." : delimiters);
    }

    private static string Transform(string value, Macro macro)
    {
        if (macro.Parts is null && !macro.Reverse && macro.Delimiters == ".")
        {
            return value;
        }

        IEnumerable<string> parts = value.Split(macro.Delimiters.ToCharArray());
        if (macro.Reverse)
        {
            parts = parts.Reverse();
        }

        var list = parts.ToList();
        if (macro.Parts is { } count && count < list.Count)
        {
            list = list[^count..];
        }

        return string.Join('.', list);
    }

    private static void Flush(StringBuilder literal, List<Token> tokens)
    {
        if (literal.Length > 0)
        {
            tokens.Add(new Literal(literal.ToString()));
            literal.Clear();
        }
    }

    private abstract record Token;

    private sealed record Literal(string Text) : Token;

    private sealed record Escape(string Text) : Token;

    private sealed record Macro(char Letter, bool Escaped, int? Parts, bool Reverse, string Delimiters) : Token;
}
