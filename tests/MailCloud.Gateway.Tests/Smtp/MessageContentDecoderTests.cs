using System.Text;
using MailCloud.Gateway.Smtp.Protocol;

namespace MailCloud.Gateway.Tests.Smtp;

public sealed class MessageContentDecoderTests
{
    /// <summary>Feeds the input in pieces of <paramref name="piece"/> octets, as the network might.</summary>
    private static (string Output, MessageContentDecoder Decoder, int Consumed) Decode(string input, bool dotStuffed = true, int piece = int.MaxValue, long maxSize = long.MaxValue)
    {
        var decoder = new MessageContentDecoder(dotStuffed, maxSize);
        var bytes = Encoding.Latin1.GetBytes(input);
        var output = new MemoryStream();
        var offset = 0;
        while (offset < bytes.Length && !decoder.IsComplete && !decoder.IsFatal)
        {
            var chunk = bytes.AsSpan(offset, Math.Min(piece, bytes.Length - offset));
            var buffer = new byte[chunk.Length + 1];
            decoder.Decode(chunk, buffer, out var consumed, out var written);
            output.Write(buffer, 0, written);
            offset += consumed;
            if (consumed < chunk.Length)
            {
                break;
            }
        }

        return (Encoding.Latin1.GetString(output.ToArray()), decoder, offset);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Ends_at_crlf_dot_crlf_and_removes_dot_stuffing_at_any_split(int piece)
    {
        var (output, decoder, consumed) = Decode("Subject: x\r\n\r\n..leading dot\r\n.\r\nMAIL FROM:<next>\r\n", piece: piece);
        Assert.True(decoder.IsComplete);
        Assert.Equal(MessageContentError.None, decoder.Error);
        Assert.Equal("Subject: x\r\n\r\n.leading dot\r\n", output);
        Assert.Equal("Subject: x\r\n\r\n..leading dot\r\n.\r\n".Length, consumed);
    }

    [Fact]
    public void An_empty_message_is_just_the_terminator()
    {
        var (output, decoder, _) = Decode(".\r\n");
        Assert.True(decoder.IsComplete);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("a\r\n\n.\n")]
    [InlineData("a\n.\r\n")]
    [InlineData("a\r\n.\n")]
    [InlineData("a\r.\r\n")]
    [InlineData("a\r\n.\r\r\n")]
    [InlineData("a\r\n.\rMAIL")]
    [InlineData("a\0b\r\n.\r\n")]
    public void Smuggling_sequences_and_nul_never_end_data_and_are_fatal(string input)
    {
        var (_, decoder, _) = Decode(input + "MAIL FROM:<x@y.test>\r\n.\r\n");
        Assert.False(decoder.IsComplete);
        Assert.True(decoder.IsFatal);
        Assert.Equal(MessageContentError.BareLineEnding, decoder.Error);
    }

    [Fact]
    public void Writes_nothing_after_a_bare_line_feed()
    {
        var (output, _, _) = Decode("good line\r\nbad\nline\r\n.\r\n");
        Assert.Equal("good line\r\nbad", output);
    }

    [Fact]
    public void A_line_over_998_octets_is_refused_but_reading_continues_to_the_end()
    {
        var (output, decoder, _) = Decode("ok\r\n" + new string('x', 999) + "\r\nmore\r\n.\r\n", piece: 100);
        Assert.True(decoder.IsComplete);
        Assert.Equal(MessageContentError.LineTooLong, decoder.Error);
        Assert.StartsWith("ok\r\n", output);
        Assert.DoesNotContain("more", output);
    }

    [Fact]
    public void A_line_of_exactly_998_octets_is_fine()
    {
        var (_, decoder, _) = Decode(new string('x', 998) + "\r\n.\r\n");
        Assert.Equal(MessageContentError.None, decoder.Error);
    }

    [Fact]
    public void Content_over_the_size_limit_is_refused_at_the_end()
    {
        var (_, decoder, _) = Decode("0123456789\r\n0123456789\r\n.\r\n", maxSize: 15);
        Assert.True(decoder.IsComplete);
        Assert.Equal(MessageContentError.TooLarge, decoder.Error);
        Assert.Equal(24, decoder.Size);
    }

    // Found by fuzz/ smtp-data (fuzz/findings/smtp-data/): the answer depended on the split.
    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(256)]
    [InlineData(1)]
    public void Too_large_wins_over_a_long_line_at_any_split(int piece)
    {
        var (_, decoder, _) = Decode(new string('x', 1005) + "\r\n.\r\n", piece: piece, maxSize: 100);
        Assert.True(decoder.IsComplete);
        Assert.Equal(MessageContentError.TooLarge, decoder.Error);
    }

    [Fact]
    public void Chunking_passes_dots_through_and_has_no_terminator()
    {
        var (output, decoder, consumed) = Decode("a\r\n.\r\n..b\r\n", dotStuffed: false, piece: 2);
        Assert.False(decoder.IsComplete);
        Assert.Equal(MessageContentError.None, decoder.Error);
        Assert.Equal("a\r\n.\r\n..b\r\n", output);
        Assert.Equal(11, consumed);
    }

    [Fact]
    public void Chunking_refuses_a_trailing_bare_cr_when_finished()
    {
        var (output, decoder, _) = Decode("a\r\nb\r", dotStuffed: false);
        Assert.Equal("a\r\nb", output);
        decoder.Finish();
        Assert.Equal(MessageContentError.BareLineEnding, decoder.Error);
    }

    [Fact]
    public void Random_content_round_trips_through_dot_stuffing()
    {
        var random = new Random(3030);
        for (var round = 0; round < 200; round++)
        {
            var lines = Enumerable.Range(0, random.Next(1, 30)).Select(_ => new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => ".a. "[random.Next(4)]).ToArray())).ToArray();
            var original = string.Concat(lines.Select(l => l + "\r\n"));
            var stuffed = string.Concat(lines.Select(l => (l.StartsWith('.') ? "." + l : l) + "\r\n")) + ".\r\n";
            var (output, decoder, _) = Decode(stuffed, piece: random.Next(1, 50));
            Assert.True(decoder.IsComplete);
            Assert.Equal(original, output);
        }
    }
}
