using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using MailCloud.Core.Configuration;
using MailCloud.Core.Mailboxes;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>Mailbox stores on a fresh Azurite table and container; several store instances can share them, as several Function instances would.</summary>
internal sealed class MailboxTestHarness
{
    private readonly StorageOptions _storageOptions;

    private MailboxTestHarness(StorageOptions storageOptions, StorageClients storage)
    {
        _storageOptions = storageOptions;
        Storage = storage;
    }

    public StorageClients Storage { get; }

    public string AccountId { get; } = Guid.NewGuid().ToString("N");

    public static async Task<MailboxTestHarness> CreateAsync(AzuriteFixture azurite)
    {
        var options = azurite.CreateStorageOptions("mbx");
        var storage = new StorageClients(Options.Create(options));
        await storage.EnsureContainersAsync(CancellationToken.None);
        return new MailboxTestHarness(options, storage);
    }

    /// <summary>
    /// Another store instance (its own clients and committers, as another process has) on the
    /// same storage, with the given pipeline policies (counters, fault injectors) on every
    /// table and blob request, and no SDK retries, so an injected failure reaches the store.
    /// </summary>
    public IMailboxStore NewStore(MailboxStoreOptions? options = null, params HttpPipelinePolicy[] policies)
    {
        var blobOptions = new Azure.Storage.Blobs.BlobClientOptions();
        var tableOptions = new TableClientOptions();
        foreach (var clientOptions in new ClientOptions[] { blobOptions, tableOptions })
        {
            clientOptions.Retry.MaxRetries = policies.Length == 0 ? clientOptions.Retry.MaxRetries : 0;
            foreach (var policy in policies)
            {
                clientOptions.AddPolicy(policy, HttpPipelinePosition.PerRetry);
            }
        }

        var storage = new StorageClients(Options.Create(_storageOptions), null, blobOptions, tableOptions: tableOptions);
        return new TableMailboxStore(storage, Options.Create(options ?? new MailboxStoreOptions()), TimeProvider.System, NullLogger<TableMailboxStore>.Instance);
    }

    public IMailboxStore NewStore(params HttpPipelinePolicy[] policies) => NewStore(null, policies);

    public async Task<IReadOnlyList<string>> BlobNamesAsync()
    {
        var names = new List<string>();
        await foreach (var item in Storage.Mailboxes.GetBlobsAsync())
        {
            names.Add(item.Name);
        }

        return names;
    }

    /// <summary>Every row of the account's partition, read straight from the table.</summary>
    public async Task<IReadOnlyList<TableEntity>> RowsAsync()
    {
        var rows = new List<TableEntity>();
        await foreach (var entity in Storage.MailboxIndex.QueryAsync<TableEntity>($"PartitionKey eq '{AccountId}'"))
        {
            rows.Add(entity);
        }

        return rows;
    }

    public static MemoryStream Message(string subject, int bodyBytes = 64)
    {
        var text = $"From: a@example.test\r\nTo: b@example.test\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.test>\r\n\r\n{new string('x', bodyBytes)}\r\n";
        return new MemoryStream(Encoding.ASCII.GetBytes(text));
    }

    public static MessageFlags Flags(SystemFlags system, params string[] keywords) =>
        new(system, new HashSet<string>(keywords, StringComparer.OrdinalIgnoreCase));
}
