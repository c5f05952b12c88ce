namespace MailCloud.Core.Transfer.Mbox;

/// <summary>
/// Reads mbox files: one file (its messages go to <paramref name="folderForFile"/>), or a directory
/// as <see cref="MboxArchiveWriter"/> lays it out, every <c>*.mbox</c> below it one folder.
/// </summary>
public sealed class MboxArchiveReader(string path, string folderForFile) : IArchiveReader
{
    public async IAsyncEnumerable<ArchivedMessage> ReadAsync(IReadOnlySet<string>? folders, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var files = File.Exists(path)
            ? [(folderForFile, path)]
            : System.IO.Directory.EnumerateFiles(path, "*" + MboxArchiveWriter.Extension, SearchOption.AllDirectories)
                .Select(file => (Folder: Path.GetRelativePath(path, file)[..^MboxArchiveWriter.Extension.Length].Replace(Path.DirectorySeparatorChar, '/'), File: file))
                .OrderBy(f => f.Folder, StringComparer.Ordinal)
                .ToList();
        foreach (var (folder, file) in files)
        {
            if (folders is not null && !folders.Contains(folder))
            {
                continue;
            }

            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            await foreach (var (flags, internalDate, content) in MboxCodec.ReadAsync(stream, cancellationToken).ConfigureAwait(false))
            {
                yield return new ArchivedMessage(folder, flags, internalDate, content);
            }
        }
    }
}
