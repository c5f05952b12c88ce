using System.Buffers;
using MailCloud.Gateway.Hosting.Proxy;

namespace MailCloud.Fuzz.Targets;

/// <summary>
/// proxy: the first bytes of a connection through <see cref="ProxyProtocolParser.TryParse"/> (v1 and v2),
/// as <c>ProxyProtocolReader</c> calls it: again on each longer prefix as bytes arrive, in one segment or
/// several. Every way of receiving the same bytes must give the same header and consume the same bytes.
/// </summary>
public static class ProxyTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        var whole = Parse(new ReadOnlySequence<byte>(bytes));
        for (var received = 0; received < bytes.Length; received++)
        {
            // Bytes arriving one read at a time: a prefix either needs more, fails, or already holds the header.
            var prefix = Parse(new ReadOnlySequence<byte>(bytes, 0, received));
            if (prefix.Outcome == Outcome.Parsed && prefix != whole)
            {
                throw new FuzzInvariantException($"The first {received} bytes gave {prefix}, all of them {whole}");
            }

            if (prefix.Outcome != Outcome.NeedMore)
            {
                break;
            }
        }

        var split = bytes.Length / 2;
        var segmented = Parse(FuzzInput.Segmented(bytes, split, 1, 3));
        if (segmented != whole)
        {
            throw new FuzzInvariantException($"In segments the bytes gave {segmented}, in one {whole}");
        }
    }

    private static Result Parse(ReadOnlySequence<byte> buffer)
    {
        try
        {
            return ProxyProtocolParser.TryParse(buffer, out var header, out var consumed)
                ? new Result(Outcome.Parsed, header, buffer.Slice(0, consumed).Length)
                : new Result(Outcome.NeedMore, null, 0);
        }
        catch (ProxyProtocolException)
        {
            // Documented: the connection is closed.
            return new Result(Outcome.Refused, null, 0);
        }
    }

    private enum Outcome
    {
        NeedMore,
        Parsed,
        Refused,
    }

    private sealed record Result(Outcome Outcome, ProxyProtocolHeader? Header, long Consumed);
}
