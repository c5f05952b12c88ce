using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;

namespace MailCloud.Core.Lists.Archive;

/// <summary>
/// Who may read a list's archive: its members and owners, in any state (a disabled member still belongs to the
/// list), by the account's own address or any address it owns (<see cref="DirectorySnapshot.AddressesOwnedBy"/>:
/// the aliases that reach it), compared by address key.
/// </summary>
public static class ListArchiveReaders
{
    /// <summary>The lists with an archive on that <paramref name="account"/> may read, by address key ascending.</summary>
    public static IReadOnlyList<DistributionList> ArchivesReadableBy(DirectorySnapshot snapshot, Account account)
    {
        var owned = snapshot.AddressesOwnedBy(account);
        return [.. snapshot.Lists
            .Where(l => l.Settings.Archive && owned.Any(a => l.HasMember(a) || l.IsOwner(a)))
            .OrderBy(l => EmailAddress.Parse(l.Address).Key, StringComparer.Ordinal)];
    }
}
