using System.Buffers;
using System.Text;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Tests.Imap.Protocol;

public class FramingTests
{
    [Fact]
    public void Takes_one_line_at_a_time_and_strips_the_line_end()
    {
        var buffer = ProtocolTestInput.Bytes("a1 NOOP\r\na2 CAPA");
        Assert.Equal(LineFraming.LineResult.Complete, LineFraming.TryReadLine(ref buffer, 100, out var line));
        Assert.Equal("a1 NOOP", Encoding.ASCII.GetString(line.ToArray()));
        Assert.Equal(LineFraming.LineResult.Incomplete, LineFraming.TryReadLine(ref buffer, 100, out _));
        Assert.Equal("a2 CAPA", Encoding.ASCII.GetString(buffer.ToArray()));
    }

    [Fact]
    public void Refuses_a_line_longer_than_the_limit_before_it_ends()
    {
        var buffer = ProtocolTestInput.Bytes(new string('x', 101));
        Assert.Equal(LineFraming.LineResult.TooLong, LineFraming.TryReadLine(ref buffer, 100, out _));
        Assert.Equal(101, buffer.Length); // not consumed: its end has not arrived
    }

    [Fact]
    public void Consumes_a_line_too_long_whose_end_has_arrived()
    {
        var buffer = ProtocolTestInput.Bytes(new string('x', 100) + "\r\na2 NOOP\n");
        Assert.Equal(LineFraming.LineResult.TooLong, LineFraming.TryReadLine(ref buffer, 100, out _)); // the CR counts
        Assert.Equal(LineFraming.LineResult.Complete, LineFraming.TryReadLine(ref buffer, 100, out var next));
        Assert.Equal("a2 NOOP", Encoding.ASCII.GetString(next.ToArray())); // a bare LF is tolerated
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData("a APPEND INBOX {310}", 310, false, false)]
    [InlineData("a APPEND INBOX {310+}", 310, true, false)]
    [InlineData("a APPEND INBOX ~{7}", 7, false, true)]
    public void Recognises_literal_markers(string line, long length, bool nonSync, bool binary)
    {
        Assert.True(ImapFraming.TryGetLiteralMarker(Encoding.ASCII.GetBytes(line), out var marker));
        Assert.Equal(new LiteralMarker(length, nonSync, binary), marker);
    }

    [Theory]
    [InlineData("a LOGIN joe secret")]
    [InlineData("a SELECT {}")]
    [InlineData("a SELECT {-1}")]
    [InlineData("a SELECT {99999999999999999999}")]
    [InlineData("a SELECT {12a}")]
    public void Ignores_what_is_not_a_literal_marker(string line) =>
        Assert.False(ImapFraming.TryGetLiteralMarker(Encoding.ASCII.GetBytes(line), out _));
}
