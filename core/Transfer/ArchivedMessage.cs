using MailCloud.Core.Mailboxes;

namespace MailCloud.Core.Transfer;

/// <summary>
/// One message read from an archive (an mbox file, a Maildir, another IMAP server): the folder it
/// belongs in ("/" as the hierarchy delimiter), its flags and internal date, and its bytes with
/// CRLF line ends, which the reader hands over and the caller disposes.
/// </summary>
public sealed record ArchivedMessage(string Folder, MessageFlags Flags, DateTimeOffset InternalDate, Stream Content) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <summary>A source of messages to import, read once from start to end.</summary>
public interface IArchiveReader
{
    /// <summary>Every message of the source, folder by folder; <paramref name="folders"/>, when given, limits it to those folders.</summary>
    IAsyncEnumerable<ArchivedMessage> ReadAsync(IReadOnlySet<string>? folders, CancellationToken cancellationToken);
}

/// <summary>Where exported messages go, folder after folder; the writer owns its files until disposed.</summary>
public interface IArchiveWriter : IAsyncDisposable
{
    /// <summary>Starts a folder (created even when no message follows); the messages written next belong to it.</summary>
    Task BeginFolderAsync(string folder, CancellationToken cancellationToken);

    Task WriteAsync(MessageFlags flags, DateTimeOffset internalDate, Stream content, CancellationToken cancellationToken);
}

/// <summary>The on-disk formats of <c>mailcloud export</c> and <c>mailcloud import</c>.</summary>
public enum ArchiveFormat
{
    /// <summary>mboxrd, one file per folder.</summary>
    Mbox,

    /// <summary>Maildir++ with Dovecot's keyword file, as Dovecot lays it out by default.</summary>
    Maildir,
}

/// <summary>An archive that cannot be read: a file that is no mbox, a broken Maildir name, an IMAP server that cannot be reached or refuses.</summary>
public sealed class ArchiveException(string message, Exception? inner = null) : Exception(message, inner);
