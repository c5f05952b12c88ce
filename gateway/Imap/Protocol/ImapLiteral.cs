namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// The octets of one literal (RFC 9051 §4.3) in a seekable stream the session chose (memory or a
/// temporary file) and filled; this type only hands them to the parsers, and disposes the stream.
/// </summary>
public sealed class ImapLiteral : IAsyncDisposable
{
    private readonly Stream _content;

    /// <summary>A literal of <paramref name="length"/> octets in <paramref name="content"/> (seekable; filled before use; owned from now on).</summary>
    public ImapLiteral(Stream content, long length)
    {
        _content = content;
        Length = length;
    }

    public long Length { get; }

    public static ImapLiteral FromBytes(byte[] bytes) => new(new MemoryStream(bytes, writable: false), bytes.Length);

    /// <summary>The content from its start.</summary>
    public Stream OpenRead()
    {
        _content.Position = 0;
        return _content;
    }

    /// <summary>Small literals only (astring arguments): the content as a byte array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        OpenRead().ReadExactly(bytes);
        return bytes;
    }

    public ValueTask DisposeAsync() => _content.DisposeAsync();
}

/// <summary>One line of a command as received (without CRLF), and the literal its trailing {n} announced, if any.</summary>
public sealed record CommandLine(ReadOnlyMemory<byte> Text, ImapLiteral? Literal);

/// <summary>A whole command: its lines and literals in order. Owns the literals.</summary>
public sealed class ImapCommandText(IReadOnlyList<CommandLine> lines) : IAsyncDisposable
{
    public IReadOnlyList<CommandLine> Lines { get; } = lines;

    public async ValueTask DisposeAsync()
    {
        foreach (var line in Lines)
        {
            if (line.Literal is not null)
            {
                await line.Literal.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
