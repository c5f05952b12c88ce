using System.Buffers;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp.Protocol;

namespace MailCloud.Gateway.Smtp.Session;

/// <summary>The outcome of reading one line.</summary>
internal enum LineStatus
{
    Line,
    TooLong,
    Closed,
}

/// <summary>
/// Reads what an SMTP client sends (command lines, DATA content, BDAT chunks) from the
/// connection's current input, and flushes pending replies only when it must wait for more
/// input, which is what lets pipelined commands get their replies in one packet (RFC 2920 §3.2).
/// </summary>
internal sealed class SmtpInput(IProtocolConnection connection)
{
    private const int OutputBlock = 64 * 1024;

    public async ValueTask<(LineStatus Status, byte[] Line)> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        var discarding = false;
        var examinedAll = false;
        while (true)
        {
            var result = await ReadAsync(examinedAll, cancellationToken).ConfigureAwait(false);
            examinedAll = true;
            var buffer = result.Buffer;
            var lineFeed = buffer.PositionOf((byte)'\n');
            if (lineFeed is { } end)
            {
                var line = buffer.Slice(0, end);
                var tooLong = discarding || line.Length > maxLength;
                var bytes = tooLong ? [] : line.ToArray();
                connection.Input.AdvanceTo(buffer.GetPosition(1, end));
                if (tooLong)
                {
                    return (LineStatus.TooLong, []);
                }

                // Command lines should end in CRLF; a bare LF is tolerated here (it cannot smuggle
                // anything outside DATA), as Postfix does.
                return (LineStatus.Line, bytes.Length > 0 && bytes[^1] == '\r' ? bytes[..^1] : bytes);
            }

            if (buffer.Length > maxLength)
            {
                // Too long: drop what we have and keep dropping up to the next LF, so a huge line never sits in memory.
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

    /// <summary>DATA: decodes up to the end of data (or a fatal error) into <paramref name="sink"/>.</summary>
    public async Task ReadDataAsync(MessageContentDecoder decoder, ContentSink sink, CancellationToken cancellationToken)
    {
        var output = ArrayPool<byte>.Shared.Rent(OutputBlock + 1);
        try
        {
            while (!decoder.IsComplete && !decoder.IsFatal)
            {
                var result = await ReadAsync(examinedAll: false, cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                var consumedTotal = 0L;
                foreach (var segment in buffer)
                {
                    var remaining = segment;
                    while (remaining.Length > 0 && !decoder.IsComplete && !decoder.IsFatal)
                    {
                        var slice = remaining.Length > OutputBlock ? remaining[..OutputBlock] : remaining;
                        decoder.Decode(slice.Span, output, out var consumed, out var written);
                        await sink.WriteAsync(output.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
                        remaining = remaining[consumed..];
                        consumedTotal += consumed;
                    }

                    if (decoder.IsComplete || decoder.IsFatal)
                    {
                        break;
                    }
                }

                connection.Input.AdvanceTo(buffer.GetPosition(consumedTotal));
                if (result.IsCompleted && !decoder.IsComplete && !decoder.IsFatal)
                {
                    throw new IOException("The client closed the connection during DATA.");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    /// <summary>BDAT: passes exactly <paramref name="size"/> octets through <paramref name="decoder"/> into <paramref name="sink"/>.</summary>
    public async Task ReadChunkAsync(long size, MessageContentDecoder decoder, ContentSink sink, CancellationToken cancellationToken)
    {
        var output = ArrayPool<byte>.Shared.Rent(OutputBlock + 1);
        try
        {
            var remaining = size;
            while (remaining > 0)
            {
                var result = await ReadAsync(examinedAll: false, cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                var take = buffer.Slice(0, Math.Min(buffer.Length, remaining));
                foreach (var segment in take)
                {
                    var pending = segment;
                    while (pending.Length > 0)
                    {
                        var slice = pending.Length > OutputBlock ? pending[..OutputBlock] : pending;
                        // After a fatal error the decoder stops; the chunk is still consumed to keep the framing.
                        var consumed = slice.Length;
                        var written = 0;
                        if (!decoder.IsFatal)
                        {
                            decoder.Decode(slice.Span, output, out consumed, out written);
                            consumed = decoder.IsFatal ? slice.Length : consumed;
                        }

                        await sink.WriteAsync(output.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
                        pending = pending[consumed..];
                    }
                }

                remaining -= take.Length;
                connection.Input.AdvanceTo(take.End);
                if (remaining > 0 && result.IsCompleted)
                {
                    throw new IOException("The client closed the connection during BDAT.");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    /// <summary>
    /// Drops input already received. Used before the TLS handshake: anything a client pipelined
    /// after STARTTLS was sent in plaintext and must not run inside the TLS session (RFC 3207 §6, CVE-2011-0411).
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
    /// </summary>
    private async ValueTask<System.IO.Pipelines.ReadResult> ReadAsync(bool examinedAll, CancellationToken cancellationToken)
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
