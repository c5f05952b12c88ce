using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Lists.Archive;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// Where a mailbox the client names is kept: <see cref="Name"/> as the client sees it, the mailbox-store
/// account and folder holding it, and whether it is <see cref="Shared"/> (another account's, read-only).
/// </summary>
internal sealed record MailboxLocation(string Name, string AccountId, string Folder, bool Shared);

/// <summary>
/// Maps mailbox names to where they are kept, the one place that does. The personal namespace ("") is the
/// account's own folders under their names; the shared namespace "#lists/" (RFC 2342 §5) holds the archives of
/// the lists the account belongs to (<see cref="ListArchiveReaders"/>, from the directory snapshot of the
/// moment), each the INBOX of the archive's own account, read-only (and a name below one, the archive's folder of
/// that name below INBOX, which there is none of: nothing is made inside an archive). Any other name, under "#lists/" too, is the
/// account's own: folders made there before lists had archives stay where they are, and an archive the account
/// may not read is, for it, a folder it does not have (NONEXISTENT), so a session never learns which lists there are.
/// </summary>
internal sealed class MailboxLocator(IMailDirectory directory)
{
    public async Task<MailboxLocation> LocateAsync(Account account, string name, CancellationToken cancellationToken)
    {
        if (name.StartsWith(ListArchive.NamespacePrefix, StringComparison.Ordinal))
        {
            var snapshot = await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
            foreach (var archive in ListArchiveReaders.ArchivesReadableBy(snapshot, account).Select(ArchiveOf))
            {
                if (name == archive.Name)
                {
                    return archive;
                }

                if (name.StartsWith(archive.Name + ListArchive.HierarchyDelimiter, StringComparison.Ordinal))
                {
                    return archive with { Name = name, Folder = archive.Folder + name[archive.Name.Length..] };
                }
            }
        }

        return new MailboxLocation(name, account.Id, name, Shared: false);
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
