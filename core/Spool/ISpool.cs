namespace MailCloud.Core.Spool;

/// <summary>
/// The claim-check store: raw messages written once, streamed, named from the message id.
/// The queue messages carry only a <see cref="Queueing.MessageEnvelope"/> that points here.
/// </summary>
public interface ISpool
{
    /// <summary>
    /// Starts writing a new spool blob. Bytes written to <see cref="ISpoolWriter.Content"/> are
    /// staged as they arrive; nothing is visible until <see cref="ISpoolWriter.CommitAsync"/>.
    /// Disposing an uncommitted writer abandons it.
    /// </summary>
    Task<ISpoolWriter> CreateAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>Opens a committed spool blob for streaming reads. Throws <see cref="SpoolMessageNotFoundException"/>.</summary>
    Task<Stream> OpenReadAsync(string spoolBlob, CancellationToken cancellationToken);

    /// <summary>
    /// The first <paramref name="maxBytes"/> of a committed spool blob (all of a small one) and its
    /// size, in one ranged read. Throws <see cref="SpoolMessageNotFoundException"/>.
    /// </summary>
    Task<SpoolHead> ReadHeadAsync(string spoolBlob, int maxBytes, CancellationToken cancellationToken);

    /// <summary>Deletes a spool blob; deleting one that is already gone succeeds.</summary>
    Task DeleteAsync(string spoolBlob, CancellationToken cancellationToken);

    /// <summary>Spool blobs older than <paramref name="olderThan"/>, for the housekeeping sweep.</summary>
    IAsyncEnumerable<SpoolEntry> ListAsync(DateTimeOffset olderThan, CancellationToken cancellationToken);
}

public interface ISpoolWriter : IAsyncDisposable
{
    /// <summary>The spool blob name this writer commits to.</summary>
    string SpoolBlob { get; }

    /// <summary>A write-only stream; a message up to one block is held and goes up in one request, a larger one is staged block by block.</summary>
    Stream Content { get; }

    /// <summary>Makes the blob durable and visible. Returns its size in bytes.</summary>
    Task<long> CommitAsync(CancellationToken cancellationToken) => CommitAsync(ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>
    /// Makes the blob durable and visible with <paramref name="leadingBytes"/> before everything
    /// written to <see cref="Content"/>: bytes known only once the content has arrived (trace headers,
    /// a header section kept back to be filtered) still go into the one blob, uploaded once.
    /// </summary>
    Task<long> CommitAsync(ReadOnlyMemory<byte> leadingBytes, CancellationToken cancellationToken);
}

/// <summary>A spool blob's first bytes and its whole size.</summary>
public sealed record SpoolHead(ReadOnlyMemory<byte> Bytes, long Size)
{
    public bool IsWhole => Bytes.Length == Size;
}

public sealed record SpoolEntry(string SpoolBlob, long Size, DateTimeOffset CreatedAt);

public sealed class SpoolMessageNotFoundException(string spoolBlob)
    : Exception($"Spool blob '{spoolBlob}' does not exist.")
{
    public string SpoolBlob { get; } = spoolBlob;
}

/// <summary>A spool blob of this name was already committed; a message id is used once.</summary>
public sealed class SpoolMessageExistsException(string spoolBlob, Exception? inner = null)
    : Exception($"Spool blob '{spoolBlob}' already exists.", inner)
{
    public string SpoolBlob { get; } = spoolBlob;
}
