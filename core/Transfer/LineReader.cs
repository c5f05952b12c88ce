namespace MailCloud.Core.Transfer;

/// <summary>
/// Reads a stream line by line, each line with its LF (the last one may have none). A line is
/// valid until the next call; the buffer grows for a line longer than it.
/// </summary>
internal sealed class LineReader(Stream stream)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _endOfStream;

    /// <summary>The next line, or null at the end of the stream.</summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var searched = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', searched, _end - searched);
            if (newline >= 0)
            {
                var line = _buffer.AsMemory(_start, newline + 1 - _start);
                _start = newline + 1;
                return line;
            }

            if (_endOfStream)
            {
                if (_start == _end)
                {
                    return null;
                }

                var last = _buffer.AsMemory(_start, _end - _start);
                _start = _end;
                return last;
            }

            searched = _end;
            if (_start > 0)
            {
                // Keep the unfinished line at the front.
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                searched -= _start;
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            _endOfStream = read == 0;
            _end += read;
        }
    }
}
