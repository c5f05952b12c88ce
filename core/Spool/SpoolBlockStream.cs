using System.Buffers;
using System.Text;
using Azure.Storage.Blobs.Specialized;

namespace MailCloud.Core.Spool;

/// <summary>
/// A write-only stream that stages a block blob one block at a time (Put Block), so a message
/// of any size passes through with one block's worth of memory. Nothing becomes visible until
/// the owner commits <see cref="BlockIds"/>; uncommitted blocks are discarded by the service.
/// Content is held in a buffer of <see cref="InitialBufferBytes"/> that grows to one block only
/// when a message needs it; a message that never fills a block is staged not at all and goes up
/// whole (<see cref="TryGetUnstagedContent"/>).
/// </summary>
internal sealed class SpoolBlockStream : Stream
{
    /// <summary>Most mail fits: a session holds this much until its message proves larger.</summary>
    public const int InitialBufferBytes = 256 * 1024;

    private readonly BlockBlobClient _blob;
    private readonly int _blockSize;
    private readonly List<string> _blockIds = [];

    // Block ids must have one length within a blob; a per-writer prefix keeps two writers of
    // the same name (a client retrying on another connection) from overwriting each other's blocks.
    private readonly string _blockIdPrefix = Guid.NewGuid().ToString("N");

    private byte[]? _buffer;
    private int _capacity;
    private int _buffered;
    private long _length;
    private bool _sealed;
    private bool _leadingBlock;

    public SpoolBlockStream(BlockBlobClient blob, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _blob = blob;
        _blockSize = blockSize;
        _capacity = Math.Min(InitialBufferBytes, blockSize);
        _buffer = ArrayPool<byte>.Shared.Rent(_capacity);
    }

    public IReadOnlyList<string> BlockIds => _blockIds;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_sealed;
    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var taken = Append(buffer);
            buffer = buffer[taken..];
            if (_buffered == _blockSize)
            {
                StageBlock();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var taken = Append(buffer.Span);
            buffer = buffer[taken..];
            if (_buffered == _blockSize)
            {
                await StageBlockAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The whole content when no block was staged (it never filled one), for a single Put Blob.
    /// Valid until the stream is sealed or disposed.
    /// </summary>
    public bool TryGetUnstagedContent(out ReadOnlyMemory<byte> content)
    {
        ObjectDisposedException.ThrowIf(_sealed || _buffer is null, this);
        content = _blockIds.Count == 0 ? _buffer.AsMemory(0, _buffered) : default;
        return _blockIds.Count == 0;
    }

    /// <summary>Stages what is buffered and refuses further writes; the blob is then ready to commit.</summary>
    public async Task SealAsync(CancellationToken cancellationToken)
    {
        if (_buffered > 0)
        {
            await StageBlockAsync(cancellationToken).ConfigureAwait(false);
        }

        _sealed = true;
        ReleaseBuffer();
    }

    /// <summary>
    /// Stages one more block that the commit lists first (Put Block List orders blocks freely), so
    /// bytes known only at the end are written once, ahead of the content, without rewriting it.
    /// </summary>
    public async Task StageLeadingBlockAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (!_sealed || _leadingBlock)
        {
            throw new InvalidOperationException("A leading block is staged once, after the content is sealed.");
        }

        // Same length as the content's ids ("-" and six digits), which the service requires.
        var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{_blockIdPrefix}-LEAD00"));
        using var content = new MemoryStream(bytes.ToArray(), writable: false);
        await _blob.StageBlockAsync(id, content, cancellationToken: cancellationToken).ConfigureAwait(false);
        _blockIds.Insert(0, id);
        _length += bytes.Length;
        _leadingBlock = true;
    }

    // Staging happens only when a block is full or at Seal; Flush must not cut short blocks.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _sealed = true;
        ReleaseBuffer();
        base.Dispose(disposing);
    }

    private int Append(ReadOnlySpan<byte> source)
    {
        ObjectDisposedException.ThrowIf(_sealed || _buffer is null, this);
        if (_buffered == _capacity && _capacity < _blockSize)
        {
            GrowToBlock();
        }

        var taken = Math.Min(source.Length, _capacity - _buffered);
        source[..taken].CopyTo(_buffer!.AsSpan(_buffered));
        _buffered += taken;
        _length += taken;
        return taken;
    }

    private void StageBlock()
    {
        var id = NextBlockId();
        using var content = new MemoryStream(_buffer!, 0, _buffered, writable: false);
        _blob.StageBlock(id, content);
        BlockStaged(id);
    }

    private async Task StageBlockAsync(CancellationToken cancellationToken)
    {
        var id = NextBlockId();
        using var content = new MemoryStream(_buffer!, 0, _buffered, writable: false);
        await _blob.StageBlockAsync(id, content, cancellationToken: cancellationToken).ConfigureAwait(false);
        BlockStaged(id);
    }

    private string NextBlockId() =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"{_blockIdPrefix}-{_blockIds.Count:D6}"));

    private void BlockStaged(string id)
    {
        _blockIds.Add(id);
        _buffered = 0;
    }

    private void GrowToBlock()
    {
        var block = ArrayPool<byte>.Shared.Rent(_blockSize);
        _buffer.AsSpan(0, _buffered).CopyTo(block);
        ArrayPool<byte>.Shared.Return(_buffer!);
        _buffer = block;
        _capacity = _blockSize;
    }

    private void ReleaseBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
