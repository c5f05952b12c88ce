using Azure;
using Azure.Storage.Blobs.Models;
using MailCloud.Core.Configuration;

namespace MailCloud.Cli.Local;

/// <summary>
/// Recognises local data written by the first mailbox store, which kept each account's folder
/// list in <c>&lt;accountId&gt;/folders.json</c> and each folder's state in <c>state.json</c> blobs.
/// The table store cannot read it and there is no migration before the first release: local mode
/// stops and names <c>--reset</c>.
/// </summary>
public static class PreviousMailboxLayout
{
    private const string FolderList = "folders.json";

    public static async Task<bool> IsPresentAsync(StorageClients storage, CancellationToken cancellationToken)
    {
        try
        {
            // One level of the hierarchy: the account prefixes; the old layout put folders.json directly under each.
            await foreach (var item in storage.Mailboxes.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix: null, cancellationToken).ConfigureAwait(false))
            {
                if (item.IsPrefix && await storage.Mailboxes.GetBlobClient(item.Prefix + FolderList).ExistsAsync(cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }
            }

            return false;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // No mailbox container yet: a fresh data folder.
            return false;
        }
    }
}
