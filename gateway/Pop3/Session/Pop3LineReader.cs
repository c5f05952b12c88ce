using System.Buffers;
using System.IO.Pipelines;
using MailCloud.Gateway.Hosting;

namespace MailCloud.Gateway.Pop3.Session;

internal enum LineStatus
{
    Line,
    TooLong,
    Closed,
}

/// <summary>
/// Reads command lines from the connection's current input, flushing pending replies only when
/// it must wait for the client: pipelined commands get their replies together (RFC 2449 §6.6).
/// </summary>
internal sealed class Pop3LineReader(IProtocolConnection connection)
{
    public async ValueTask<(LineStatus Status, byte[] Line)> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        var discarding = false;
        var examinedAll = false;
        while (true)
        {
            var result = await ReadAsync(examinedAll, cancellationToken).ConfigureAwait(false);
            examinedAll = true;
            var buffer = result.Buffer;
            if (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = buffer.Slice(0, end);
                var tooLong = discarding || line.Length > maxLength;

                // Copy before advancing: the pipe may reuse the memory once it is consumed.
                var bytes = tooLong ? [] : line.ToArray();
                connection.Input.AdvanceTo(buffer.GetPosition(1, end));
                if (tooLong)
                {
                    return (LineStatus.TooLong, []);
                }

                return (LineStatus.Line, bytes.Length > 0 && bytes[^1] == '\r' ? bytes[..^1] : bytes);
            }

            if (buffer.Length > maxLength)
            {
                // Drop an over-long line as it arrives, so it never sits in memory whole.
                discarding = true;
                connection.Input.AdvanceTo(buffer.End);
            }
            else
            {
                connection.Input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted)
            {
                return (LineStatus.Closed, []);
            }
        }
    }

    /// <summary>RFC 2595 §4: nothing the client pipelined after STLS may be read as if it came over TLS.</summary>
    public void DiscardBuffered()
    {
        if (connection.Input.TryRead(out var result))
        {
            connection.Input.AdvanceTo(result.Buffer.End);
        }
    }

    private async ValueTask<ReadResult> ReadAsync(bool examinedAll, CancellationToken cancellationToken)
    {
        if (!examinedAll && connection.Input.TryRead(out var buffered))
        {
            if (!buffered.Buffer.IsEmpty || buffered.IsCompleted)
            {
                return buffered;
            }

            connection.Input.AdvanceTo(buffered.Buffer.Start);
        }

        await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
    }
}
