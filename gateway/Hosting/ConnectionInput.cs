using System.Buffers;
using System.IO.Pipelines;

namespace MailCloud.Gateway.Hosting;

/// <summary>The outcome of reading one command line.</summary>
public enum LineStatus
{
    Line,
    TooLong,
    Closed,
}

/// <summary>
/// Reads what a client sends from the connection's current input (which changes after a TLS
/// upgrade), flushing pending replies only when it must wait for more input: that is what lets
/// pipelined commands get their replies in one packet (SMTP RFC 2920 §3.2, POP3 RFC 2449 §6.6).
/// </summary>
public sealed class ConnectionInput(IProtocolConnection connection)
{
    /// <summary>
    /// Reads a line ending in LF (a preceding CR is dropped). A line longer than
    /// <paramref name="maxLength"/> is discarded as it arrives, so it never sits in memory whole.
    /// </summary>
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

    /// <summary>
    /// Drops input already received and returns how much. Used before a TLS handshake: anything a
    /// client pipelined after STARTTLS/STLS was sent in plaintext and must not be read as if it
    /// came over TLS (RFC 3207 §6, RFC 2595 §4, CVE-2011-0411).
    /// </summary>
    public long DiscardBuffered()
    {
        if (!connection.Input.TryRead(out var result))
        {
            return 0;
        }

        connection.Input.AdvanceTo(result.Buffer.End);
        return result.Buffer.Length;
    }

    /// <summary>
    /// Reads, flushing pending replies first whenever nothing new is buffered (we are about to wait
    /// for the client). <paramref name="examinedAll"/>: the caller saw every buffered byte and needs more.
    /// The caller advances <see cref="IProtocolConnection.Input"/> past what it used.
    /// </summary>
    public async ValueTask<ReadResult> ReadAsync(bool examinedAll, CancellationToken cancellationToken)
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
