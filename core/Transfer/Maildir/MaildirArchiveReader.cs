using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Naming;

namespace MailCloud.Core.Transfer.Maildir;

/// <summary>
/// Reads a Maildir++ tree: INBOX from the root, every ".A.B" directory as folder A/B; the messages
/// of <c>new/</c> and <c>cur/</c> in the order of the folder's <c>dovecot-uidlist</c>, those it does not list after
/// them in file name order (Dovecot's unique names start with the delivery time), flags from the name, the internal date from the modification time, bare LF
/// line ends (as Dovecot writes them) made CRLF.
/// </summary>
public sealed class MaildirArchiveReader(string root) : IArchiveReader
{
    public async IAsyncEnumerable<ArchivedMessage> ReadAsync(IReadOnlySet<string>? folders, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(Path.Combine(root, "cur")))
        {
            throw new ArchiveException($"'{root}' is not a Maildir: it has no cur/ directory.");
        }

        var tree = new List<(string Folder, string Directory)> { (FolderName.Inbox, root) };
        foreach (var directory in System.IO.Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            if (MaildirNames.FolderOf(Path.GetFileName(directory)) is { } folder && System.IO.Directory.Exists(Path.Combine(directory, "cur")))
            {
                tree.Add((folder, directory));
            }
        }

        foreach (var (folder, directory) in tree)
        {
            if (folders is not null && !folders.Contains(folder))
            {
                continue;
            }

            var keywordsFile = Path.Combine(directory, MaildirNames.KeywordsFile);
            var keywords = File.Exists(keywordsFile)
                ? MaildirKeywords.Parse(await File.ReadAllTextAsync(keywordsFile, cancellationToken).ConfigureAwait(false))
                : new MaildirKeywords();
            var uidListFile = Path.Combine(directory, MaildirNames.UidListFile);
            var uids = File.Exists(uidListFile)
                ? MaildirNames.ParseUidList(await File.ReadAllTextAsync(uidListFile, cancellationToken).ConfigureAwait(false))
                : [];
            var files = new[] { "new", "cur" }
                .Select(part => Path.Combine(directory, part))
                .Where(System.IO.Directory.Exists)
                .SelectMany(part => System.IO.Directory.EnumerateFiles(part))
                .OrderBy(file => uids.TryGetValue(MaildirNames.BaseName(Path.GetFileName(file)), out var uid) ? uid : uint.MaxValue)
                .ThenBy(Path.GetFileName, StringComparer.Ordinal);
            foreach (var file in files)
            {
                var name = Path.GetFileName(file);
                MemoryStream content;
                await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true))
                {
                    content = await LineEnds.ToCrlfAsync(stream, cancellationToken).ConfigureAwait(false);
                }

                yield return new ArchivedMessage(folder, MaildirNames.FlagsOf(name, keywords), new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero), content);
            }
        }
    }
}
