using System.Buffers;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// Finds command lines in received bytes, for all three protocols (<see cref="ConnectionInput"/>)
/// and the fuzz harnesses that cut input as the sessions do. Pure: no I/O.
/// </summary>
public static class LineFraming
{
    public enum LineResult
    {
        Incomplete,
        Complete,
        TooLong,
    }

    /// <summary>
    /// Takes one line ending in LF (a preceding CR is dropped; a bare LF is tolerated, as most
    /// servers do) off the front of <paramref name="buffer"/>. A line longer than
    /// <paramref name="maxLength"/> (its CR counted) is <see cref="LineResult.TooLong"/>: when its LF
    /// has arrived, <paramref name="buffer"/> is advanced past it; when it has not, but more than
    /// <paramref name="maxLength"/> octets have, <paramref name="buffer"/> is left as it was.
    /// </summary>
    public static LineResult TryReadLine(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        line = default;
        if (buffer.PositionOf((byte)'\n') is not { } end)
        {
            return buffer.Length > maxLength ? LineResult.TooLong : LineResult.Incomplete;
        }

        var found = buffer.Slice(0, end);
        buffer = buffer.Slice(buffer.GetPosition(1, end));
        if (found.Length > maxLength)
        {
            return LineResult.TooLong;
        }

        line = found.Length > 0 && found.Slice(found.Length - 1).FirstSpan[0] == (byte)'\r' ? found.Slice(0, found.Length - 1) : found;
        return LineResult.Complete;
    }
}
