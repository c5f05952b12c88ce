using System.Globalization;
using MailCloud.Core.Mailboxes;

namespace MailCloud.Core.Transfer.Maildir;

/// <summary>
/// Writes a Maildir++ tree: each message to <c>tmp/</c>, then renamed into <c>cur/</c> with its
/// flags (the Maildir delivery protocol), its modification time set to the internal date (what
/// Dovecot reads as the received date); each folder's keywords file as keywords appear, and its
/// uidlist when it is done. A folder written into again is replaced in its uidlist, not merged.
/// </summary>
public sealed class MaildirArchiveWriter(string root) : IArchiveWriter
{
    private readonly List<string> _baseNames = [];
    private (string Directory, MaildirKeywords Keywords)? _folder;
    private long _sequence;

    public async Task BeginFolderAsync(string folder, CancellationToken cancellationToken)
    {
        await FinishFolderAsync(cancellationToken).ConfigureAwait(false);
        var directory = Path.Combine(root, MaildirNames.FolderDirectory(folder));
        foreach (var part in new[] { "cur", "new", "tmp" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(directory, part));
        }

        var keywordsFile = Path.Combine(directory, MaildirNames.KeywordsFile);
        var keywords = File.Exists(keywordsFile)
            ? MaildirKeywords.Parse(await File.ReadAllTextAsync(keywordsFile, cancellationToken).ConfigureAwait(false))
            : new MaildirKeywords();
        _folder = (directory, keywords);
    }

    public async Task WriteAsync(MessageFlags flags, DateTimeOffset internalDate, Stream content, CancellationToken cancellationToken)
    {
        var (directory, keywords) = _folder ?? throw new InvalidOperationException("No folder begun.");
        var unique = string.Create(CultureInfo.InvariantCulture, $"{internalDate.ToUnixTimeSeconds()}.M{++_sequence}P{Environment.ProcessId}.mailcloud");
        var temporary = Path.Combine(directory, "tmp", unique);
        long size;
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
        {
            await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            size = file.Length;
        }

        var final = Path.Combine(directory, "cur", MaildirNames.MessageFile(unique, size, flags, keywords));
        File.Move(temporary, final);
        _baseNames.Add(MaildirNames.BaseName(Path.GetFileName(final)));
        File.SetLastWriteTimeUtc(final, internalDate.UtcDateTime);
        if (keywords.TakeChanges())
        {
            await File.WriteAllTextAsync(Path.Combine(directory, MaildirNames.KeywordsFile), keywords.Format(), cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await FinishFolderAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>The folder's uidlist, so the messages keep their order (file names sort by internal date, which need not follow it).</summary>
    private async Task FinishFolderAsync(CancellationToken cancellationToken)
    {
        if (_folder is { } open)
        {
            var uidValidity = (uint)Math.Clamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 1, uint.MaxValue);
            await File.WriteAllTextAsync(Path.Combine(open.Directory, MaildirNames.UidListFile), MaildirNames.UidList(uidValidity, _baseNames), cancellationToken).ConfigureAwait(false);
            _baseNames.Clear();
            _folder = null;
        }
    }
}
