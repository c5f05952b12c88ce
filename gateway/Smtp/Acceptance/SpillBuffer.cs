namespace MailCloud.Gateway.Smtp.Acceptance;

/// <summary>
/// A seekable copy that lives in memory up to <see cref="MemoryLimit"/> and in a temporary file
/// (deleted on close) beyond, so keeping a message for verification never holds a whole large
/// message in memory.
/// </summary>
internal sealed class SpillBuffer : IAsyncDisposable
{
    public const int MemoryLimit = 1024 * 1024;

    private Stream _stream = new MemoryStream();

    public long Length => _stream.Length;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (_stream is MemoryStream memory && memory.Length + bytes.Length > MemoryLimit)
        {
            var file = new FileStream(
                Path.Combine(Path.GetTempPath(), $"mailcloud-{Guid.NewGuid():N}.eml"),
                FileMode.CreateNew,
                FileAccess.ReadWrite,
                FileShare.None,
                bufferSize: 81920,
                FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            memory.Position = 0;
            await memory.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            _stream = file;
        }

        await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The copy from its start; valid until this buffer is disposed.</summary>
    public Stream Rewind()
    {
        _stream.Position = 0;
        return _stream;
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
