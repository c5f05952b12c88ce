using MailCloud.Core.Mailboxes.Naming;

namespace MailCloud.Core.Mailboxes.Blobs;

/// <summary>An account's folder list (<c>folders.json</c>), created with the special-use folders on first use.</summary>
internal sealed class FolderCatalog(MailboxLayout layout, TimeProvider clock)
{
    public async Task<FolderListDocument> LoadAsync(string accountId, CancellationToken cancellationToken)
    {
        var document = Document(accountId);
        for (; ;)
        {
            if (await document.ReadAsync(cancellationToken).ConfigureAwait(false) is { } current)
            {
                return current.Value;
            }

            var created = FolderListDocument.CreateDefault(clock.GetUtcNow());
            if (await document.TryWriteAsync(created, expected: null, cancellationToken).ConfigureAwait(false) is not null)
            {
                return created;
            }
        }
    }

    /// <summary>The folder a (not yet normalized) name refers to.</summary>
    public async Task<FolderEntry> GetAsync(string accountId, string name, CancellationToken cancellationToken)
    {
        var normalized = FolderName.Normalize(name);
        var folders = await LoadAsync(accountId, cancellationToken).ConfigureAwait(false);
        return folders.Get(normalized);
    }

    /// <summary>Applies <paramref name="change"/> by CAS (re-read and re-applied when another writer got in first).</summary>
    public async Task<FolderListDocument> UpdateAsync(string accountId, Func<FolderListDocument, FolderListDocument> change, CancellationToken cancellationToken)
    {
        var (result, _) = await Document(accountId).UpdateAsync(
            current =>
            {
                var document = current ?? FolderListDocument.CreateDefault(clock.GetUtcNow());
                var next = change(document);
                return (current is null || !ReferenceEquals(next, document) ? next : null, next);
            },
            cancellationToken).ConfigureAwait(false);
        return result;
    }

    private JsonBlob<FolderListDocument> Document(string accountId) =>
        new(layout.FolderList(accountId), MailboxJsonContext.Default.FolderListDocument);
}
