using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;

namespace MailCloud.Core.Lists.Requests;

/// <summary>Who hears what is for a list's owners: the owners; a list without any falls back to its domain's postmaster (RFC 5321 §4.5.1) when that address takes mail.</summary>
public static class ListOwners
{
    public static IReadOnlyList<string> RecipientsFor(DistributionList list, DirectorySnapshot snapshot)
    {
        if (list.Owners.Count > 0)
        {
            return list.Owners;
        }

        var postmaster = $"postmaster@{EmailAddress.Parse(list.Address).Domain}";
        return snapshot.Resolve(postmaster).Kind is RecipientKind.Unknown or RecipientKind.Remote ? [] : [postmaster];
    }
}
