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

/// <summary>How <see cref="ConnectionInput.ReadLineAsync(int, LineReading, CancellationToken)"/> treats a line.</summary>
[Flags]
public enum LineReading
{
    /// <summary>Flush pending replies before waiting; a line too long is read through its end and discarded, so the next line can be read.</summary>
    Default = 0,

    /// <summary>A line too long is reported as soon as the limit is passed, unread: the caller closes the connection (IMAP, where what follows may be a literal).</summary>
    StopAtLimit = 1,

    /// <summary>Do not flush: another task writes replies meanwhile (IMAP IDLE's keepalives), and a pipe writer takes one writer at a time.</summary>
    NoFlush = 2,
}

/// <summary>
/// Reads what a client sends, for SMTP, IMAP and POP3 alike, from the connection's current input
/// (which changes after a TLS upgrade or COMPRESS): command lines (<see cref="LineFraming"/>), octets
/// counted in advance (IMAP literals), and the STARTTLS/STLS rule for bytes sent ahead of the
/// handshake. Pending replies are flushed only when it must wait for more input: that is what lets
/// pipelined commands get their replies in one packet (SMTP RFC 2920 §3.2, POP3 RFC 2449 §6.6, IMAP RFC 9051 §5.5).
/// </summary>
public sealed class ConnectionInput(IProtocolConnection connection)
{
    /// <summary>Reads a line with <see cref="LineReading.Default"/>.</summary>
    public ValueTask<(LineStatus Status, byte[] Line)> ReadLineAsync(int maxLength, CancellationToken cancellationToken) =>
        ReadLineAsync(maxLength, LineReading.Default, cancellationToken);

    /// <summary>
    /// Reads a line ending in LF (a preceding CR is dropped). A line longer than
    /// <paramref name="maxLength"/> never sits in memory whole.
    /// </summary>
    public async ValueTask<(LineStatus Status, byte[] Line)> ReadLineAsync(int maxLength, LineReading reading, CancellationToken cancellationToken)
    {
        var discarding = false;
        var examinedAll = false;
        while (true)
        {
            var result = await ReadAsync(examinedAll, !reading.HasFlag(LineReading.NoFlush), cancellationToken).ConfigureAwait(false);
            examinedAll = true;
            var input = connection.Input;
            var buffer = result.Buffer;
            switch (LineFraming.TryReadLine(ref buffer, maxLength, out var line))
            {
                case LineFraming.LineResult.Complete:
                    // Copy before advancing: the pipe may reuse the memory once it is consumed.
                    var bytes = discarding ? [] : line.ToArray();
                    input.AdvanceTo(buffer.Start);
                    return discarding ? (LineStatus.TooLong, []) : (LineStatus.Line, bytes);
                case LineFraming.LineResult.TooLong when buffer.Length < result.Buffer.Length:
                    // Its end has arrived: consumed, the next line can be read.
                    input.AdvanceTo(buffer.Start);
                    return (LineStatus.TooLong, []);
                case LineFraming.LineResult.TooLong when reading.HasFlag(LineReading.StopAtLimit):
                    input.AdvanceTo(buffer.Start, buffer.End);
                    return (LineStatus.TooLong, []);
                case LineFraming.LineResult.TooLong:
                    discarding = true;
                    input.AdvanceTo(buffer.End);
                    break;
                default:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    break;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                return (LineStatus.Closed, []);
            }
        }
    }

    /// <summary>
    /// Copies exactly <paramref name="length"/> octets the client announced (an IMAP literal,
    /// RFC 9051 §4.3) into <paramref name="target"/>; throws <see cref="EndOfStreamException"/> when the client goes away first.
    /// </summary>
    public async Task ReadExactlyAsync(long length, Stream target, CancellationToken cancellationToken)
    {
        var remaining = length;
        while (remaining > 0)
        {
            var result = await ReadAsync(examinedAll: false, cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            foreach (var segment in take)
            {
                await target.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            }

            remaining -= take.Length;
            connection.Input.AdvanceTo(take.End);
            if (remaining > 0 && (result.IsCompleted || result.IsCanceled))
            {
                throw new EndOfStreamException($"The client went away {remaining} octets before the end of a literal.");
            }
        }
    }

    /// <summary>
    /// The STARTTLS/STLS upgrade, one rule for the three protocols, after the caller has written its
    /// "go ahead" reply: input already received is dropped unread (anything a client pipelined after
    /// the command was sent in plaintext and must not be read as if it came over TLS: RFC 3207 §4.2
    /// and §6, RFC 2595 §3.1, RFC 9051 §6.2.1 and §11.1; CVE-2011-0411), the reply is flushed, and the
    /// handshake runs on what comes next. Returns how many octets were dropped, for the caller to log.
    /// </summary>
    public async Task<long> StartTlsAsync(CancellationToken cancellationToken)
    {
        var discarded = DiscardBuffered();
        await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        await connection.StartTlsAsync(cancellationToken).ConfigureAwait(false);
        return discarded;
    }

    /// <summary>
    /// Reads, flushing pending replies first whenever nothing new is buffered (we are about to wait
    /// for the client). <paramref name="examinedAll"/>: the caller saw every buffered byte and needs more.
    /// The caller advances <see cref="IProtocolConnection.Input"/> past what it used.
    /// </summary>
    public ValueTask<ReadResult> ReadAsync(bool examinedAll, CancellationToken cancellationToken) =>
        ReadAsync(examinedAll, flush: true, cancellationToken);

    private async ValueTask<ReadResult> ReadAsync(bool examinedAll, bool flush, CancellationToken cancellationToken)
    {
        var input = connection.Input;
        if (!examinedAll && input.TryRead(out var buffered))
        {
            if (!buffered.Buffer.IsEmpty || buffered.IsCompleted)
            {
                return buffered;
            }

            input.AdvanceTo(buffered.Buffer.Start);
        }

        if (flush)
        {
            await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return await input.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private long DiscardBuffered()
    {
        if (!connection.Input.TryRead(out var result))
        {
            return 0;
        }

        connection.Input.AdvanceTo(result.Buffer.End);
        return result.Buffer.Length;
    }
}
