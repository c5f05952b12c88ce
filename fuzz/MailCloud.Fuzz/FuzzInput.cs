using System.Buffers;

namespace MailCloud.Fuzz;

/// <summary>Helpers that cut fuzz input the way connections deliver it.</summary>
public static class FuzzInput
{
    public static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// Lines as <c>ConnectionInput.ReadLineAsync</c> gives them to the SMTP and POP3 sessions: cut at LF,
    /// one trailing CR removed; bytes after the last LF are an unfinished line and never parsed.
    /// </summary>
    public static List<byte[]> Lines(ReadOnlySpan<byte> input)
    {
        var lines = new List<byte[]>();
        int end;
        while ((end = input.IndexOf((byte)'\n')) >= 0)
        {
            var line = input[..end];
            lines.Add((line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line).ToArray());
            input = input[(end + 1)..];
        }

        return lines;
    }

    /// <summary>
    /// A sequence of the same bytes in segments of the given sizes (the last one takes the rest), as a
    /// pipe hands over data that arrived in several reads.
    /// </summary>
    public static ReadOnlySequence<byte> Segmented(ReadOnlyMemory<byte> bytes, params int[] sizes)
    {
        Segment? first = null;
        Segment? last = null;
        var offset = 0;
        foreach (var size in sizes.Append(int.MaxValue))
        {
            var take = Math.Min(size, bytes.Length - offset);
            var segment = new Segment(bytes.Slice(offset, take), offset);
            first ??= segment;
            last?.SetNext(segment);
            last = segment;
            offset += take;
            if (offset == bytes.Length)
            {
                break;
            }
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
