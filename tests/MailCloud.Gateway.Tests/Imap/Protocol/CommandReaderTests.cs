using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Tests.Imap.Protocol;

public class CommandReaderTests
{
    [Fact]
    public void Reads_atoms_quoted_strings_and_literals_across_lines()
    {
        var reader = ProtocolTestInput.Reader("a1 LOGIN {5}", "jo\u00e9l", " \"se\\\"cret\"");
        Assert.Equal("a1", reader.ReadTag());
        reader.ExpectSpace();
        Assert.Equal("LOGIN", reader.ReadAtom());
        reader.ExpectSpace();
        Assert.Equal("jo\u00e9l", reader.ReadAString());
        reader.ExpectSpace();
        Assert.Equal("se\"cret", reader.ReadAString());
        Assert.True(reader.AtEnd);
    }

    [Theory]
    [InlineData("\"unterminated")]
    [InlineData("\"bad \\escape\"")]
    [InlineData("(")]
    public void Reports_malformed_strings(string argument)
    {
        var reader = ProtocolTestInput.Reader(argument);
        Assert.Throws<ImapSyntaxException>(() => reader.ReadAString());
    }

    [Fact]
    public void Reads_flag_lists_parenthesized_and_bare()
    {
        Assert.Equal(["\\Seen", "$Forwarded"], ProtocolTestInput.Reader("(\\Seen $Forwarded)").ReadFlagList());
        Assert.Equal(["\\Deleted", "\\Seen"], ProtocolTestInput.Reader("\\Deleted \\Seen").ReadFlagList(allowBare: true));
        Assert.Empty(ProtocolTestInput.Reader("()").ReadFlagList());
    }

    [Theory]
    [InlineData("\" 5-Nov-2026 09:30:00 +0100\"", 2026, 11, 5, 1)]
    [InlineData("\"17-Jul-1996 02:44:25 -0700\"", 1996, 7, 17, -7)]
    public void Reads_date_times(string text, int year, int month, int day, int offsetHours)
    {
        var value = ProtocolTestInput.Reader(text).ReadDateTime();
        Assert.Equal(new DateTime(year, month, day), value.Date);
        Assert.Equal(TimeSpan.FromHours(offsetHours), value.Offset);
    }

    [Fact]
    public void Numbers_out_of_range_are_syntax_errors() =>
        Assert.Throws<ImapSyntaxException>(() => ProtocolTestInput.Reader("4294967296").ReadNumber());
}
