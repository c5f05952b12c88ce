using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Configuration;

/// <summary>
/// The storage account's service clients, built once from <see cref="StorageOptions"/>:
/// a connection string when one is given (Azurite), otherwise managed identity.
/// </summary>
public sealed class StorageClients
{
    public StorageClients(IOptions<StorageOptions> options, TokenCredential? credential = null, BlobClientOptions? blobOptions = null, QueueClientOptions? queueOptions = null, TableClientOptions? tableOptions = null)
    {
        var storage = options.Value;
        if (storage.UsesConnectionString)
        {
            Blobs = new BlobServiceClient(storage.ConnectionString, blobOptions);
            Queues = new QueueServiceClient(storage.ConnectionString, queueOptions);
            Tables = new TableServiceClient(storage.ConnectionString, tableOptions);
        }
        else
        {
            var uri = storage.BlobServiceUri ?? throw new OptionsValidationException(StorageOptions.SectionName, typeof(StorageOptions), ["Storage:ConnectionString or Storage:BlobServiceUri must be set."]);
            credential ??= new DefaultAzureCredential();
            Blobs = new BlobServiceClient(uri, credential, blobOptions);
            Queues = new QueueServiceClient(storage.QueueServiceUri ?? new Uri(uri.ToString().Replace(".blob.", ".queue.", StringComparison.Ordinal)), credential, queueOptions);
            Tables = new TableServiceClient(storage.TableServiceUri ?? new Uri(uri.ToString().Replace(".blob.", ".table.", StringComparison.Ordinal)), credential, tableOptions);
        }

        Directory = Blobs.GetBlobContainerClient(storage.DirectoryContainer);
        Spool = Blobs.GetBlobContainerClient(storage.SpoolContainer);
        Mailboxes = Blobs.GetBlobContainerClient(storage.MailboxContainer);
        Sieve = Blobs.GetBlobContainerClient(storage.SieveContainer);
        Lists = Blobs.GetBlobContainerClient(storage.ListsContainer);
        MailboxIndex = Tables.GetTableClient(storage.MailboxTable);
    }

    public BlobServiceClient Blobs { get; }
    public QueueServiceClient Queues { get; }
    public BlobContainerClient Directory { get; }
    public BlobContainerClient Spool { get; }
    public BlobContainerClient Mailboxes { get; }
    public BlobContainerClient Sieve { get; }
    public BlobContainerClient Lists { get; }
    public TableServiceClient Tables { get; }

    /// <summary>The mailbox index: folders, message rows, quota usage and delivery markers.</summary>
    public TableClient MailboxIndex { get; }

    /// <summary>Creates the containers and the mailbox table if missing (local mode; in Azure, Bicep creates them).</summary>
    public async Task EnsureContainersAsync(CancellationToken cancellationToken)
    {
        foreach (var container in new[] { Directory, Spool, Mailboxes, Sieve, Lists })
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await MailboxIndex.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
    }
}
