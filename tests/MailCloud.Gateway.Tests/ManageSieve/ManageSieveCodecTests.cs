using System.Buffers;
using System.Text;
using MailCloud.Gateway.ManageSieve.Protocol;

namespace MailCloud.Gateway.Tests.ManageSieve;

/// <summary>The ManageSieve codec alone (RFC 5804 §4): commands in, responses out, no I/O.</summary>
public class ManageSieveCodecTests
{
    [Fact]
    public void Parses_names_case_insensitively_with_quoted_strings_numbers_and_literals()
    {
        var command = Parse("putScript \"my \\\"script\\\"\" {12+}\r\nkeep;\r\nstop;");
        Assert.Equal("PUTSCRIPT", command.Name);
        Assert.Equal(["my \"script\"", "keep;\r\nstop;"], command.Arguments.Select(a => a.Text));

        var havespace = Parse("HAVESPACE \"x\" 65536");
        Assert.Equal(65536, havespace.Arguments[1].Number);
        Assert.False(havespace.Arguments[1].IsString);

        // A synchronizing literal, an empty one, and UTF-8 in a quoted string.
        var rename = Parse("RENAMESCRIPT {3}\r\nold \"nöw\" {0+}\r\n");
        Assert.Equal(["old", "nöw", ""], rename.Arguments.Select(a => a.Text));
        Assert.Empty(Parse("LOGOUT").Arguments);
    }

    [Theory]
    [InlineData("", "command name")]
    [InlineData(" LOGOUT", "command name")]
    [InlineData("PUT-SCRIPT \"a\"", "one space")]
    [InlineData("GETSCRIPT  \"a\"", "string or a number")]
    [InlineData("GETSCRIPT \"a\" ", "one space")]
    [InlineData("GETSCRIPT \"a", "not closed")]
    [InlineData("GETSCRIPT \"a\\n\"", "escapes only")]
    [InlineData("GETSCRIPT \"a\"\"b\"", "one space")]
    [InlineData("GETSCRIPT atom", "string or a number")]
    [InlineData("PUTSCRIPT \"a\" {5+}\r\nabc", "shorter than announced")]
    [InlineData("PUTSCRIPT \"a\" {x+}\r\nabc", "length is a number")]
    [InlineData("PUTSCRIPT \"a\" {99999999999}\r\n", "length is a number")]
    [InlineData("PUTSCRIPT \"a\" {3+}", "CRLF, then n octets")]
    [InlineData("PUTSCRIPT \"a\" {2+}\r\nabc", "one space")]
    [InlineData("HAVESPACE \"a\" 4294967296", "at most 4294967295")]
    public void Refuses_malformed_commands_with_a_reason(string command, string reason)
    {
        var refused = Assert.Throws<ManageSieveSyntaxException>(() => ManageSieveCommandParser.Parse(Encoding.UTF8.GetBytes(command)));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_strings_that_are_not_UTF8()
    {
        byte[] quoted = [.. "GETSCRIPT \""u8, 0xC3, 0x28, .. "\""u8];
        byte[] literal = [.. "PUTSCRIPT \"a\" {1+}\r\n"u8, 0xFF];
        Assert.Contains("UTF-8", Assert.Throws<ManageSieveSyntaxException>(() => ManageSieveCommandParser.Parse(quoted)).Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", Assert.Throws<ManageSieveSyntaxException>(() => ManageSieveCommandParser.Parse(literal)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PUTSCRIPT \"a\" {12+}", 12, true)]
    [InlineData("PUTSCRIPT \"a\" {7}", 7, false)]
    public void Finds_literal_markers_at_the_end_of_a_line(string line, long length, bool nonSynchronizing)
    {
        Assert.True(ManageSieveFraming.TryGetLiteralMarker(Encoding.ASCII.GetBytes(line), out var found, out var nonSync));
        Assert.Equal(length, found);
        Assert.Equal(nonSynchronizing, nonSync);
    }

    [Theory]
    [InlineData("PUTSCRIPT \"a\" ~{7}")]
    [InlineData("GETSCRIPT \"{7}x\"")]
    [InlineData("LOGOUT")]
    public void Ignores_what_is_not_a_literal_marker(string line) =>
        Assert.False(ManageSieveFraming.TryGetLiteralMarker(Encoding.ASCII.GetBytes(line), out _, out _));

    [Fact]
    public void Writes_status_lines_with_codes_and_quoted_or_literal_strings()
    {
        Assert.Equal("OK\r\n", Write(o => ManageSieveResponse.Ok(o)));
        Assert.Equal("NO (QUOTA/MAXSIZE) \"too \\\"big\\\" \\\\\"\r\n", Write(o => ManageSieveResponse.No(o, "too \"big\" \\", ManageSieveResponseCode.QuotaMaxSize)));
        Assert.Equal("BYE \"bye\"\r\n", Write(o => ManageSieveResponse.Bye(o, "bye")));
        Assert.Equal("{12}\r\nkeep;\r\nstop;", Write(o => ManageSieveResponse.String(o, "keep;\r\nstop;")));
        Assert.Equal("\"SIEVE\" \"fileinto vacation\"\r\n", Write(o => ManageSieveResponse.Line(o, "SIEVE", "fileinto vacation")));
        Assert.Equal("\"main\" ACTIVE\r\n\"other\"\r\n", Write(o =>
        {
            ManageSieveResponse.ScriptEntry(o, "main", active: true);
            ManageSieveResponse.ScriptEntry(o, "other", active: false);
        }));
        var longText = new string('x', 1025);
        Assert.Equal($"{{1025}}\r\n{longText}", Write(o => ManageSieveResponse.String(o, longText)));
    }

    [Fact]
    public void What_the_writer_writes_the_parser_reads_back()
    {
        foreach (var value in new[] { "plain", "quote \" and \\", "multi\r\nline", "ünïcode 📬", new string('y', 2000) })
        {
            var written = Write(o => ManageSieveResponse.String(o, value));
            Assert.Equal(value, Parse("X " + written).Arguments.Single().Text);
        }
    }

    private static ManageSieveCommand Parse(string command) => ManageSieveCommandParser.Parse(Encoding.UTF8.GetBytes(command));

    private static string Write(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
