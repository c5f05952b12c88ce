using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Lists.Archive;
using MailCloud.Core.Mailboxes;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// Where a mailbox the client names is kept: <see cref="Name"/> as the client sees it, the mailbox-store
/// account and folder holding it, and whether it is <see cref="Shared"/> (another account's, read-only).
/// </summary>
internal sealed record MailboxLocation(string Name, string AccountId, string Folder, bool Shared);

/// <summary>
/// Maps mailbox names to where they are kept, the one place that does. The personal namespace ("") is the
/// account's own folders under their names; the shared namespace "Lists/" (RFC 2342 §5) holds the archives of
/// the lists the account belongs to (<see cref="ListArchiveReaders"/>, from the directory snapshot of the
/// moment), each the INBOX of the archive's own account, read-only. An archive the account may not read does
/// not exist for it: NONEXISTENT, as for any unknown name, so a session never learns which lists there are.
/// </summary>
internal sealed class MailboxLocator(IMailDirectory directory)
{
    /// <summary>True for a name in the shared namespace, where nothing may be created, renamed or deleted.</summary>
    public static bool IsShared(string name) => name.StartsWith(ListArchive.NamespacePrefix, StringComparison.Ordinal);

    /// <exception cref="FolderNotFoundException">A shared name the account may not read.</exception>
    public async Task<MailboxLocation> LocateAsync(Account account, string name, CancellationToken cancellationToken)
    {
        if (!IsShared(name))
        {
            return new MailboxLocation(name, account.Id, name, Shared: false);
        }

        var snapshot = await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var list = ListArchiveReaders.FindReadableArchive(snapshot, account, name) ?? throw new FolderNotFoundException(name);
        return ArchiveOf(list);
    }

    /// <summary>The archives the account may read, by name.</summary>
    public async Task<IReadOnlyList<MailboxLocation>> ListSharedAsync(Account account, CancellationToken cancellationToken)
    {
        var snapshot = await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        return [.. ListArchiveReaders.ArchivesReadableBy(snapshot, account).Select(ArchiveOf)];
    }

    private static MailboxLocation ArchiveOf(DistributionList list) =>
        new(ListArchive.ImapNameFor(list.Address), ListArchive.AccountIdFor(list.Address), ListArchive.Folder, Shared: true);
}
