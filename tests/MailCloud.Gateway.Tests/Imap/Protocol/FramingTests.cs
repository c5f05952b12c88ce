using System.Buffers;
using System.Text;
using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Gateway.Tests.Imap.Protocol;

public class FramingTests
{
    [Fact]
    public void Takes_one_line_at_a_time_and_strips_the_line_end()
    {
        var buffer = ProtocolTestInput.Bytes("a1 NOOP\r\na2 CAPA");
        Assert.Equal(ImapFraming.LineResult.Complete, ImapFraming.TryReadLine(ref buffer, 100, out var line));
        Assert.Equal("a1 NOOP", Encoding.ASCII.GetString(line.ToArray()));
        Assert.Equal(ImapFraming.LineResult.Incomplete, ImapFraming.TryReadLine(ref buffer, 100, out _));
        Assert.Equal("a2 CAPA", Encoding.ASCII.GetString(buffer.ToArray()));
    }

    [Fact]
    public void Refuses_a_line_longer_than_the_limit_before_it_ends()
    {
        var buffer = ProtocolTestInput.Bytes(new string('x', 101));
        Assert.Equal(ImapFraming.LineResult.TooLong, ImapFraming.TryReadLine(ref buffer, 100, out _));
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
