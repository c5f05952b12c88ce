namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// The octets of one literal (RFC 9051 §4.3), held in memory when small and in a temporary file
/// (deleted on dispose) when large, so an APPEND of tens of megabytes never sits in memory.
/// </summary>
public sealed class ImapLiteral : IAsyncDisposable
{
    private readonly Stream _content;

    private ImapLiteral(Stream content, long length)
    {
        _content = content;
        Length = length;
    }

    public long Length { get; }

    public static ImapLiteral FromBytes(byte[] bytes) => new(new MemoryStream(bytes, writable: false), bytes.Length);

    /// <summary>A literal buffer of <paramref name="length"/> octets to be filled by the caller before use.</summary>
    public static ImapLiteral Create(long length, int memoryThreshold)
    {
        Stream content = length <= memoryThreshold
            ? new MemoryStream((int)length)
            : new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        return new ImapLiteral(content, length);
    }

    /// <summary>The stream to fill; call <see cref="OpenRead"/> once it holds <see cref="Length"/> octets.</summary>
    internal Stream Target => _content;

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
