using System.Buffers;
using System.Text;
using MailCloud.Gateway.Pop3.Protocol;

namespace MailCloud.Gateway.Tests.Pop3;

public class Pop3CodecTests
{
    [Theory]
    [InlineData("stat", "STAT", new string[0])]
    [InlineData("LIST 2", "LIST", new[] { "2" })]
    [InlineData("TOP 1 10", "TOP", new[] { "1", "10" })]
    [InlineData("PASS secret with spaces", "PASS", new[] { "secret with spaces" })]
    [InlineData("AUTH PLAIN AGJvYgBzZWNyZXQ=", "AUTH", new[] { "PLAIN", "AGJvYgBzZWNyZXQ=" })]
    public void Parses_keyword_and_arguments(string line, string keyword, string[] arguments)
    {
        Assert.True(Pop3CommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var command, out _));
        Assert.Equal(keyword, command!.Keyword);
        Assert.Equal(arguments, command.Arguments);
    }

    [Theory]
    [InlineData("")]
    [InlineData("XY")]
    [InlineData("RETRIEVE 1")]
    [InlineData("RE1R 1")]
    [InlineData("LIST\t1")]
    [InlineData("USER a\0b")]
    public void Refuses_malformed_lines(string line)
    {
        Assert.False(Pop3CommandParser.TryParse(Encoding.UTF8.GetBytes(line), out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Refuses_invalid_utf8()
    {
        Assert.False(Pop3CommandParser.TryParse([(byte)'U', (byte)'S', (byte)'E', (byte)'R', (byte)' ', 0xff], out _, out _));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("-1", false)]
    [InlineData("+1", false)]
    [InlineData("1a", false)]
    [InlineData("9999999999", false)]
    public void Message_numbers_are_positive_decimals(string argument, bool valid)
    {
        Assert.Equal(valid, Pop3CommandParser.TryParseNumber(argument, out _));
    }

    [Fact]
    public void Error_replies_carry_the_response_code()
    {
        var output = new ArrayBufferWriter<byte>();

        Pop3Reply.Error(output, "Authentication failed", Pop3ResponseCode.Auth);

        Assert.Equal("-ERR [AUTH] Authentication failed\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Retrieval_stuffs_leading_dots_normalizes_line_ends_and_terminates()
    {
        var message = "Subject: x\r\n\r\n.hidden\r\n..two\nbare lf\r\nlast line without end";

        Assert.Equal(
            "Subject: x\r\n\r\n..hidden\r\n...two\r\nbare lf\r\nlast line without end\r\n.\r\n",
            Encode(message, lineLimit: null, chunkSize: 3));
    }

    [Theory]
    [InlineData(0, "A: 1\r\nB: 2\r\n\r\n.\r\n")]
    [InlineData(2, "A: 1\r\nB: 2\r\n\r\nline 1\r\n..line 2\r\n.\r\n")]
    [InlineData(9, "A: 1\r\nB: 2\r\n\r\nline 1\r\n..line 2\r\nline 3\r\n.\r\n")]
    public void Top_sends_the_header_and_that_many_body_lines(int lines, string expected)
    {
        Assert.Equal(expected, Encode("A: 1\r\nB: 2\r\n\r\nline 1\r\n.line 2\r\nline 3\r\n", lines, chunkSize: 5));
    }

    private static string Encode(string message, int? lineLimit, int chunkSize)
    {
        var encoder = new DotStuffingEncoder(lineLimit);
        var output = new ArrayBufferWriter<byte>();
        var bytes = Encoding.ASCII.GetBytes(message);
        for (var offset = 0; offset < bytes.Length; offset += chunkSize)
        {
            encoder.Encode(bytes.AsSpan(offset, Math.Min(chunkSize, bytes.Length - offset)), output);
        }

        encoder.Complete(output);
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }
}
