using MailCloud.Core.Mailboxes;

namespace MailCloud.Core.Transfer.Mbox;

/// <summary>
/// Writes one mboxrd file per folder under a directory: folder "A/B" is <c>A/B.mbox</c>, so a
/// folder can have both messages and children. Folders are written one after the other;
/// an existing file of a folder is replaced.
/// </summary>
public sealed class MboxArchiveWriter(string root) : IArchiveWriter
{
    public const string Extension = ".mbox";

    private FileStream? _file;

    public async Task BeginFolderAsync(string folder, CancellationToken cancellationToken)
    {
        await CloseAsync().ConfigureAwait(false);
        _file = Open(folder);
    }

    public Task WriteAsync(MessageFlags flags, DateTimeOffset internalDate, Stream content, CancellationToken cancellationToken) =>
        MboxCodec.WriteAsync(_file ?? throw new InvalidOperationException("No folder begun."), flags, internalDate, content, cancellationToken);

    public ValueTask DisposeAsync() => CloseAsync();

    /// <summary>The file of a folder under <paramref name="root"/>.</summary>
    public static string FileOf(string root, string folder)
    {
        var parts = folder.Split('/');
        if (parts.Any(part => part is "." or ".."))
        {
            throw new ArchiveException($"Folder '{folder}' cannot be a file name.");
        }

        return Path.Combine([root, .. parts[..^1], parts[^1] + Extension]);
    }

    private FileStream Open(string folder)
    {
        var path = FileOf(root, folder);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
    }

    private async ValueTask CloseAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
            _file = null;
        }
    }
}
