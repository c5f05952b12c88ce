namespace MailCloud.Core.Sieve.Language;

/// <summary>The RFC 5228 §8.2 grammar: commands, blocks, tests and arguments. Validation is <see cref="SieveValidator"/>'s.</summary>
internal sealed class SieveParser
{
    /// <summary>Nesting of blocks and test lists; deeper scripts are refused so that parsing cannot exhaust the stack.</summary>
    public const int MaxNesting = 64;

    private readonly SieveLexer _lexer;
    private SieveToken _current;

    private SieveParser(string text)
    {
        _lexer = new SieveLexer(text);
        _current = _lexer.Next();
    }

    public static IReadOnlyList<SieveCommand> Parse(string text)
    {
        var parser = new SieveParser(text);
        var commands = parser.Commands(0);
        if (parser._current.Kind != SieveTokenKind.End)
        {
            throw parser.Unexpected("a command");
        }
        return commands;
    }

    private SieveToken Advance()
    {
        var token = _current;
        _current = _lexer.Next();
        return token;
    }

    private SieveSyntaxException Unexpected(string expected) =>
        new(_current.Line, _current.Column, $"expected {expected} but found {Describe(_current)}");

    private static string Describe(SieveToken token) => token.Kind switch
    {
        SieveTokenKind.Identifier => $"identifier '{token.Text}'",
        SieveTokenKind.Tag => $"tag ':{token.Text}'",
        SieveTokenKind.Number => "a number",
        SieveTokenKind.String => "a string",
        SieveTokenKind.End => "the end of the script",
        SieveTokenKind.LeftBracket => "'['",
        SieveTokenKind.RightBracket => "']'",
        SieveTokenKind.LeftParen => "'('",
        SieveTokenKind.RightParen => "')'",
        SieveTokenKind.LeftBrace => "'{'",
        SieveTokenKind.RightBrace => "'}'",
        SieveTokenKind.Comma => "','",
        _ => "';'",
    };

    private List<SieveCommand> Commands(int depth)
    {
        var commands = new List<SieveCommand>();
        while (_current.Kind == SieveTokenKind.Identifier)
        {
            commands.Add(Command(depth));
        }
        return commands;
    }

    private SieveCommand Command(int depth)
    {
        var name = Advance();
        var arguments = Arguments();
        var tests = Tests(depth);
        if (_current.Kind == SieveTokenKind.Semicolon)
        {
            Advance();
            return new SieveCommand(name.Text, arguments, tests, null, name.Line, name.Column);
        }
        if (_current.Kind != SieveTokenKind.LeftBrace)
        {
            throw Unexpected("';' or '{'");
        }
        if (depth >= MaxNesting)
        {
            throw new SieveSyntaxException(_current.Line, _current.Column, "blocks nested too deeply");
        }
        Advance();
        var block = Commands(depth + 1);
        if (_current.Kind != SieveTokenKind.RightBrace)
        {
            throw Unexpected("a command or '}'");
        }
        Advance();
        return new SieveCommand(name.Text, arguments, tests, block, name.Line, name.Column);
    }

    private List<SieveArgument> Arguments()
    {
        var arguments = new List<SieveArgument>();
        while (true)
        {
            switch (_current.Kind)
            {
                case SieveTokenKind.Tag:
                    var tag = Advance();
                    arguments.Add(new SieveTagArgument(tag.Text, tag.Line, tag.Column));
                    break;
                case SieveTokenKind.Number:
                    var number = Advance();
                    arguments.Add(new SieveNumberArgument(number.Number, number.Line, number.Column));
                    break;
                case SieveTokenKind.String:
                    var text = Advance();
                    arguments.Add(new SieveStringArgument([text.Text], false, text.Line, text.Column));
                    break;
                case SieveTokenKind.LeftBracket:
                    arguments.Add(StringList());
                    break;
                default:
                    return arguments;
            }
        }
    }

    private SieveStringArgument StringList()
    {
        var open = Advance();
        var values = new List<string>();
        while (true)
        {
            if (_current.Kind != SieveTokenKind.String)
            {
                throw Unexpected("a string");
            }
            values.Add(Advance().Text);
            if (_current.Kind == SieveTokenKind.RightBracket)
            {
                Advance();
                return new SieveStringArgument(values, true, open.Line, open.Column);
            }
            if (_current.Kind != SieveTokenKind.Comma)
            {
                throw Unexpected("',' or ']'");
            }
            Advance();
        }
    }

    private List<SieveTest> Tests(int depth)
    {
        if (_current.Kind == SieveTokenKind.Identifier)
        {
            return [Test(depth)];
        }
        if (_current.Kind != SieveTokenKind.LeftParen)
        {
            return [];
        }
        return TestList(depth);
    }

    private List<SieveTest> TestList(int depth)
    {
        if (depth >= MaxNesting)
        {
            throw new SieveSyntaxException(_current.Line, _current.Column, "tests nested too deeply");
        }
        Advance();
        var tests = new List<SieveTest>();
        while (true)
        {
            if (_current.Kind != SieveTokenKind.Identifier)
            {
                throw Unexpected("a test");
            }
            tests.Add(Test(depth + 1));
            if (_current.Kind == SieveTokenKind.RightParen)
            {
                Advance();
                return tests;
            }
            if (_current.Kind != SieveTokenKind.Comma)
            {
                throw Unexpected("',' or ')'");
            }
            Advance();
        }
    }

    private SieveTest Test(int depth)
    {
        if (depth >= MaxNesting)
        {
            throw new SieveSyntaxException(_current.Line, _current.Column, "tests nested too deeply");
        }
        var name = Advance();
        var arguments = Arguments();
        List<SieveTest> tests = [];
        if (_current.Kind == SieveTokenKind.LeftParen)
        {
            tests = TestList(depth);
        }
        else if (_current.Kind == SieveTokenKind.Identifier)
        {
            // RFC 5228 §8.2: test = identifier arguments; "not" takes its single test as an argument.
            tests = [Test(depth + 1)];
        }
        return new SieveTest(name.Text, arguments, tests, name.Line, name.Column);
    }
}
