using System.Text;

namespace MailCloud.Gateway.Smtp.Acceptance;

/// <summary>
/// Where decoded message content goes at acceptance. The header section (RFC 5322 §2.1, up to
/// the empty line) is held back in memory, at most <see cref="_maxHeaderBytes"/>, so it can be
/// filtered and written as the spool blob's first block once the verdict is known; the body streams
/// into the spool as it arrives. When the header carries DKIM-Signature fields, a copy of the whole
/// message is kept (<see cref="SpillBuffer"/>) for the verifier, which needs the body too.
/// </summary>
internal sealed class MessageCapture(Stream spool, int maxHeaderBytes) : IAsyncDisposable
{
    private readonly int _maxHeaderBytes = maxHeaderBytes;
    private readonly MemoryStream _header = new();
    private SpillBuffer? _copy;
    private bool _inBody;

    /// <summary>The header section went past the limit: the message is refused (552 5.3.4), nothing is kept.</summary>
    public bool HeaderTooLarge { get; private set; }

    /// <summary>The header section as it arrived, its empty line included when there was one.</summary>
    public ReadOnlyMemory<byte> Header => _header.GetBuffer().AsMemory(0, (int)_header.Length);

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (HeaderTooLarge || bytes.IsEmpty)
        {
            return;
        }

        if (_inBody)
        {
            await WriteBodyAsync(bytes, cancellationToken).ConfigureAwait(false);
            return;
        }

        var searchFrom = Math.Max(0, (int)_header.Length - 3);
        _header.Write(bytes.Span);
        var end = HeaderEnd(_header.GetBuffer().AsSpan(0, (int)_header.Length), searchFrom);
        if (end < 0 ? _header.Length > _maxHeaderBytes : end > _maxHeaderBytes)
        {
            HeaderTooLarge = true;
            _header.SetLength(0);
            return;
        }

        if (end < 0)
        {
            return;
        }

        var body = _header.GetBuffer().AsMemory(end, (int)_header.Length - end).ToArray();
        _header.SetLength(end);
        _inBody = true;
        if (SignedWithDkim(Header.Span))
        {
            _copy = new SpillBuffer();
            await _copy.WriteAsync(Header, cancellationToken).ConfigureAwait(false);
        }

        await WriteBodyAsync(body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The message for verification, from its start: the whole message when it is DKIM-signed,
    /// else only its header section (which is all SPF-aligned DMARC needs). Valid until disposed.
    /// </summary>
    public Stream MessageForVerification() => _copy?.Rewind() ?? new MemoryStream(Header.ToArray(), writable: false);

    public async ValueTask DisposeAsync()
    {
        if (_copy is not null)
        {
            await _copy.DisposeAsync().ConfigureAwait(false);
        }

        await _header.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask WriteBodyAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        await spool.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        if (_copy is not null)
        {
            await _copy.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The offset just past the empty line ending the header section, or -1 while it has not arrived.</summary>
    private static int HeaderEnd(ReadOnlySpan<byte> buffer, int searchFrom)
    {
        // A message may start with the empty line: no header fields at all.
        if (buffer.StartsWith("\r\n"u8))
        {
            return 2;
        }

        var found = buffer[searchFrom..].IndexOf("\r\n\r\n"u8);
        return found < 0 ? -1 : searchFrom + found + 4;
    }

    private static bool SignedWithDkim(ReadOnlySpan<byte> header)
    {
        var text = Encoding.Latin1.GetString(header);
        return text.StartsWith("DKIM-Signature:", StringComparison.OrdinalIgnoreCase)
            || text.Contains("\nDKIM-Signature:", StringComparison.OrdinalIgnoreCase);
    }
}
