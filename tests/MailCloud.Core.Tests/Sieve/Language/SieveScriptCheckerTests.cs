using MailCloud.Core.Sieve.Language;

namespace MailCloud.Core.Tests.Sieve.Language;

public class SieveScriptCheckerTests
{
    private readonly SieveScriptChecker _checker = new();

    [Theory]
    [InlineData("keep;")]
    [InlineData("")]
    [InlineData("# only a comment\n/* and a\nbracket comment */\n")]
    [InlineData("require [\"fileinto\", \"copy\"];\nif header :contains \"subject\" \"x\" { fileinto :copy \"Spam\"; } elsif true { stop; } else { discard; }")]
    [InlineData("if size :over 1M { discard; }")]
    [InlineData("if allof (not exists \"x\", anyof (true, false)) { keep; }")]
    [InlineData("require \"reject\";\nreject text:\nI do not want\n..this\n.\n;")]
    [InlineData("require \"reject\";\nreject text: # comment\r\nline\r\n.\r\n;")]
    [InlineData("REQUIRE \"fileinto\"; FileInto \"x\";")]
    [InlineData("require [\"variables\", \"relational\", \"comparator-i;ascii-numeric\"];\nset :lower :upperfirst \"a\" \"B\";\nif string :count \"ge\" :comparator \"i;ascii-numeric\" [\"a\",\"b\"] \"1\" { keep; }")]
    [InlineData("require [\"imap4flags\"]; setflag \"\\\\Seen\"; addflag \"var\" [\"a\"]; if hasflag :contains \"a\" { keep :flags \"\\\\Flagged\"; }")]
    [InlineData("require [\"vacation\"]; vacation :days 3 :subject \"away\" :from \"me@example.test\" :addresses [\"a@example.test\"] :handle \"h\" \"gone\";")]
    [InlineData("require [\"date\", \"index\", \"relational\"]; if date :index 1 :last :zone \"-0500\" :value \"ge\" \"date\" \"year\" \"2020\" { keep; } if currentdate :is \"weekday\" \"0\" { keep; }")]
    [InlineData("require [\"include\", \"variables\"]; global \"x\"; include :global :once :optional \"common\"; return;")]
    [InlineData("require [\"body\", \"envelope\", \"subaddress\", \"mailbox\", \"fileinto\"]; if anyof (body :content \"text\" :contains \"x\", envelope :detail \"to\" \"tag\", mailboxexists \"A\") { fileinto :create \"A\"; }")]
    public void Accepts_valid_scripts(string script)
    {
        Assert.Null(_checker.Check(script));
    }

    [Theory]
    // Lexical errors.
    [InlineData("keep; \"unterminated", 1, 7, "unterminated string")]
    [InlineData("keep;\n  /* never closed", 2, 3, "unterminated comment")]
    [InlineData("require \"reject\";\nreject text:\nno end", 2, 8, "unterminated multi-line")]
    [InlineData("require \"reject\";\nreject text: x\n.\n;", 2, 8, "end of the line")]
    [InlineData("if size :over 12X { keep; }", 1, 15, "invalid number")]
    [InlineData("keep; @", 1, 7, "unexpected character")]
    [InlineData("if size : 1 { keep; }", 1, 9, "tag needs a name")]
    // Syntax errors.
    [InlineData("keep", 1, 5, "expected ';' or '{'")]
    [InlineData("if true { keep;", 1, 16, "expected a command or '}'")]
    [InlineData("if anyof (true, false false) { keep; }", 1, 17, "'false' takes no test")]
    [InlineData("if anyof (true; false) { keep; }", 1, 15, "expected ',' or ')'")]
    [InlineData("redirect [\"a\" \"b\"];", 1, 15, "expected ',' or ']'")]
    [InlineData("redirect [];", 1, 11, "expected a string")]
    [InlineData("}", 1, 1, "expected a command")]
    // Validation errors.
    [InlineData("frobnicate;", 1, 1, "unknown command 'frobnicate'")]
    [InlineData("if frob { keep; }", 1, 4, "unknown test 'frob'")]
    [InlineData("keep;\nfileinto \"x\";", 2, 1, "needs require \"fileinto\"")]
    [InlineData("require \"fileinto\";\nfileinto :copy \"x\";", 2, 10, "needs require \"copy\"")]
    [InlineData("require [\"fileinto\", \"nonesuch\"];", 1, 9, "unsupported extension \"nonesuch\"")]
    [InlineData("keep;\nrequire \"fileinto\";", 2, 1, "require must come before")]
    [InlineData("else { keep; }", 1, 1, "must follow 'if'")]
    [InlineData("if true { keep; }\nkeep;\nelsif true { keep; }", 3, 1, "must follow 'if'")]
    [InlineData("if true keep;", 1, 4, "'true' takes no test")]
    [InlineData("if { keep; }", 1, 1, "needs one test")]
    [InlineData("keep true;", 1, 1, "takes no test")]
    [InlineData("redirect;", 1, 1, "takes 1 positional argument(s), not 0")]
    [InlineData("redirect \"a\" \"b\";", 1, 14, "not 2")]
    [InlineData("redirect [\"a\", \"b\"];", 1, 10, "must be a string")]
    [InlineData("if header :is \"a\" { keep; }", 1, 4, "not 1")]
    [InlineData("if header :over \"a\" \"b\" { keep; }", 1, 11, "has no tag ':over'")]
    [InlineData("if header :is :contains \"a\" \"b\" { keep; }", 1, 15, "conflicts with ':is'")]
    [InlineData("if address :all :domain \"to\" \"b\" { keep; }", 1, 17, "conflicts with ':all'")]
    [InlineData("if header \"a\" :is \"b\" { keep; }", 1, 15, "must come before the positional")]
    [InlineData("if header :comparator \"i;frob\" \"a\" \"b\" { keep; }", 1, 23, "unknown comparator")]
    [InlineData("if header :comparator { keep; }", 1, 11, "needs a string")]
    [InlineData("if size 100 { keep; }", 1, 4, "needs ':over' or ':under'")]
    [InlineData("if size :over \"100\" { keep; }", 1, 15, "must be a number")]
    // RFC 5228 §8.2: a test may be followed by one test, so "true false" is true given a test it does not take.
    [InlineData("if not true false { keep; }", 1, 8, "'true' takes no test")]
    [InlineData("if allof () { keep; }", 1, 11, "expected a test")]
    [InlineData("keep { stop; }", 1, 1, "takes no block")]
    [InlineData("if exists \"a\";", 1, 1, "needs a block")]
    [InlineData("if true { require \"fileinto\"; }", 1, 11, "require must come before")]
    [InlineData("if keep { stop; }", 1, 4, "is a command, not a test")]
    [InlineData("require \"relational\";\nif header :count \"gte\" \"a\" \"1\" { keep; }", 2, 18, "unknown relation")]
    [InlineData("require \"variables\";\nset \"1x\" \"v\";", 2, 5, "invalid variable name")]
    [InlineData("require \"index\";\nif header :last \"a\" \"b\" { keep; }", 2, 4, "needs ':index'")]
    [InlineData("require \"index\";\nif header :index 0 \"a\" \"b\" { keep; }", 2, 18, "counts from 1")]
    [InlineData("require \"date\";\nif date \"date\" \"fortnight\" \"x\" { keep; }", 2, 16, "unknown date part")]
    [InlineData("require \"date\";\nif currentdate :zone \"+25:00\" \"year\" \"x\" { keep; }", 2, 22, "':zone' must be")]
    [InlineData("require \"include\";\nglobal \"x\";", 2, 8, "needs require \"variables\"")]
    [InlineData("require \"include\";\ninclude :personal :global \"x\";", 2, 19, "conflicts with ':personal'")]
    [InlineData("require \"include\";\ninclude \"../x\";", 2, 9, "invalid script name")]
    [InlineData("require \"vacation\";\nvacation :days \"3\" \"x\";", 2, 16, "must be a number")]
    [InlineData("require \"imap4flags\";\nsetflag;", 2, 1, "1 or 2 positional")]
    public void Reports_the_first_error_with_its_line_and_column(string script, int line, int column, string message)
    {
        var error = _checker.Check(script);
        Assert.NotNull(error);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void Lists_every_extension_it_implements_and_nothing_else()
    {
        Assert.Equal(
            ["body", "comparator-i;ascii-numeric", "copy", "date", "envelope", "ereject", "fileinto", "imap4flags", "include",
             "index", "mailbox", "reject", "relational", "subaddress", "vacation", "variables"],
            _checker.Extensions.Order(StringComparer.Ordinal));
        foreach (string extension in _checker.Extensions)
        {
            Assert.Null(_checker.Check($"require \"{extension}\";"));
        }
    }

    [Fact]
    public void Refuses_nesting_deeper_than_the_bound_without_exhausting_the_stack()
    {
        string deep = string.Concat(Enumerable.Repeat("if true {", 10_000)) + string.Concat(Enumerable.Repeat("}", 10_000));
        var error = _checker.Check(deep);
        Assert.NotNull(error);
        Assert.Contains("nested too deeply", error.Message, StringComparison.Ordinal);
        string tests = "if " + string.Concat(Enumerable.Repeat("not ", 10_000)) + "true { keep; }";
        Assert.Contains("nested too deeply", _checker.Check(tests)!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_line_strings_unstuff_dots_and_keep_line_ends()
    {
        var program = SieveCompiler.Compile("require \"reject\";\nreject text:\n..hidden\nplain\n.\n;");
        var reason = (SieveStringArgument)program.Commands[1].Positional[0];
        Assert.Equal(".hidden\r\nplain\r\n", reason.Values[0]);
    }

    [Theory]
    [InlineData("\"a\\\\b\"", "a\\b")]
    [InlineData("\"a\\\"b\"", "a\"b")]
    [InlineData("\"a\\qb\"", "aqb")]
    public void Quoted_strings_take_escapes(string literal, string value)
    {
        var program = SieveCompiler.Compile("redirect " + literal + ";");
        Assert.Equal(value, ((SieveStringArgument)program.Commands[0].Positional[0]).Values[0]);
    }

    [Theory]
    [InlineData("1K", 1024L)]
    [InlineData("2m", 2L << 20)]
    [InlineData("3G", 3L << 30)]
    [InlineData("0", 0L)]
    public void Numbers_take_quantifiers(string literal, long value)
    {
        var program = SieveCompiler.Compile("if size :over " + literal + " { keep; }");
        Assert.Equal(value, ((SieveNumberArgument)program.Commands[0].Tests[0].Positional[0]).Value);
    }

    [Fact]
    public void Refuses_numbers_that_overflow()
    {
        Assert.Contains("too large", _checker.Check("if size :over 99999999999999999999 { keep; }")!.Message, StringComparison.Ordinal);
    }
}
