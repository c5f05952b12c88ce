using System.Buffers;
using System.IO.Pipelines;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// The connection's transport pipes as one async stream, so an <see cref="System.Net.Security.SslStream"/>
/// can sit on top of them. Bytes the client sent before the handshake stay in the pipe and are read by TLS.
/// </summary>
internal sealed class DuplexPipeStream(PipeReader input, PipeWriter output) : Stream
{
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var readable = result.Buffer;
            if (!readable.IsEmpty)
            {
                var count = (int)Math.Min(readable.Length, buffer.Length);
                readable.Slice(0, count).CopyTo(buffer.Span);
                input.AdvanceTo(readable.GetPosition(count));
                return count;
            }

            input.AdvanceTo(readable.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return 0;
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        await output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken) =>
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

    // TLS drives this stream asynchronously only; a synchronous call would block a pool thread on the network.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Use ReadAsync.");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Use WriteAsync.");
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
