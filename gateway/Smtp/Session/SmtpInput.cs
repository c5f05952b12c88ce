using System.Buffers;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp.Protocol;

namespace MailCloud.Gateway.Smtp.Session;

/// <summary>
/// Reads what an SMTP client sends: command lines, and DATA content and BDAT chunks streamed
/// through the content decoder into the spool.
/// </summary>
internal sealed class SmtpInput(IProtocolConnection connection)
{
    private const int OutputBlock = 64 * 1024;

    private readonly ConnectionInput _input = new(connection);

    /// <inheritdoc cref="ConnectionInput.ReadLineAsync"/>
    /// <remarks>Command lines should end in CRLF; a bare LF is tolerated here (it cannot smuggle anything outside DATA), as Postfix does.</remarks>
    public ValueTask<(LineStatus Status, byte[] Line)> ReadLineAsync(int maxLength, CancellationToken cancellationToken) =>
        _input.ReadLineAsync(maxLength, cancellationToken);

    /// <summary>DATA: decodes up to the end of data (or a fatal error) into <paramref name="sink"/>.</summary>
    public async Task ReadDataAsync(MessageContentDecoder decoder, ContentSink sink, CancellationToken cancellationToken)
    {
        var output = ArrayPool<byte>.Shared.Rent(OutputBlock + 1);
        try
        {
            while (!decoder.IsComplete && !decoder.IsFatal)
            {
                var result = await _input.ReadAsync(examinedAll: false, cancellationToken).ConfigureAwait(false);
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
                var result = await _input.ReadAsync(examinedAll: false, cancellationToken).ConfigureAwait(false);
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

    /// <inheritdoc cref="ConnectionInput.StartTlsAsync"/>
    public Task<long> StartTlsAsync(CancellationToken cancellationToken) => _input.StartTlsAsync(cancellationToken);
}
