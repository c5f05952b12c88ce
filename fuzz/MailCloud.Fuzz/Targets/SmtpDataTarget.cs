using MailCloud.Gateway.Smtp.Protocol;

namespace MailCloud.Fuzz.Targets;

/// <summary>
/// smtp-data: message content through <see cref="MessageContentDecoder"/>. The first byte chooses DATA
/// (even) or BDAT (odd), the second the size of the pieces the content arrives in (1–256 octets), the
/// third the size limit; the rest is the content. The decoder promises the same result for any split of
/// its input, so every input is also decoded whole and the two results must agree. (Once an error is
/// known nothing more is written, and pieces may have gone out before it was: then the whole
/// decoding's output is a prefix of the pieces'.)
/// </summary>
public static class SmtpDataTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 3)
        {
            return;
        }

        var dotStuffed = (input[0] & 1) == 0;
        var piece = input[1] + 1;
        var maxSize = input[2] * 64L;
        var content = input[3..];

        var split = Decode(content, dotStuffed, maxSize, piece);
        var whole = Decode(content, dotStuffed, maxSize, Math.Max(content.Length, 1));
        if (split.Error != whole.Error || split.Size != whole.Size || split.Complete != whole.Complete
            || split.Consumed != whole.Consumed
            || !(whole.Error == MessageContentError.None ? split.Output.AsSpan().SequenceEqual(whole.Output) : split.Output.AsSpan().StartsWith(whole.Output)))
        {
            throw new FuzzInvariantException(
                $"Decoding in pieces of {piece} gave {split} but whole gave {whole}");
        }
    }

    /// <summary>Feeds <paramref name="content"/> in pieces the way <c>SmtpInput.ReadDataAsync</c> (DATA) or <c>ReadChunkAsync</c> (BDAT LAST) does.</summary>
    private static Result Decode(ReadOnlySpan<byte> content, bool dotStuffed, long maxSize, int piece)
    {
        var decoder = new MessageContentDecoder(dotStuffed, maxSize);
        var output = new List<byte>();
        var buffer = new byte[piece + 1];
        var offset = 0;
        while (offset < content.Length && !(dotStuffed && (decoder.IsComplete || decoder.IsFatal)))
        {
            var slice = content.Slice(offset, Math.Min(piece, content.Length - offset));
            var consumed = slice.Length;
            var written = 0;
            if (!decoder.IsFatal)
            {
                decoder.Decode(slice, buffer, out consumed, out written);
                if (consumed > slice.Length || written > slice.Length + 1 || consumed < 0 || written < 0)
                {
                    throw new FuzzInvariantException($"Decode consumed {consumed} and wrote {written} of {slice.Length}");
                }

                // BDAT: after a fatal error the chunk is still consumed to keep the framing.
                consumed = !dotStuffed && decoder.IsFatal ? slice.Length : consumed;
            }

            output.AddRange(buffer.AsSpan(0, written));
            if (consumed == 0 && !decoder.IsComplete && !decoder.IsFatal)
            {
                throw new FuzzInvariantException("Decode made no progress");
            }

            offset += consumed;
        }

        if (!dotStuffed)
        {
            decoder.Finish();
        }

        return new Result(decoder.Error, decoder.Size, decoder.IsComplete, dotStuffed ? offset : content.Length, [.. output]);
    }

    private sealed record Result(MessageContentError Error, long Size, bool Complete, int Consumed, byte[] Output)
    {
        public override string ToString() => $"{Error}, size {Size}, complete {Complete}, consumed {Consumed}, {Output.Length} octets out";
    }
}
