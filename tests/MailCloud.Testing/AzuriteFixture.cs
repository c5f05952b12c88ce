using MailCloud.Core.Configuration;
using MailCloud.Core.Local;
using Microsoft.Extensions.Options;
using Xunit;

namespace MailCloud.Testing;

/// <summary>
/// One in-memory Azurite per test assembly, on free ports. Use with
/// <c>[Collection(AzuriteCollection.Name)]</c> (the collection is compiled into every test project from tests/AzuriteCollection.cs) and give each test its own containers through
/// <see cref="CreateStorageOptions"/> so tests never see each other's data.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteLauncher? _azurite;

    public string ConnectionString => (_azurite ?? throw new InvalidOperationException("Azurite is not running")).ConnectionString;

    public int ProcessId => _azurite?.ProcessId ?? 0;

    public async Task InitializeAsync()
    {
        var root = TestEnvironment.RepositoryRoot;
        _azurite = await AzuriteLauncher.StartAsync(root, dataDirectory: null, preferredPorts: null, logger: null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    /// <summary>Storage options with containers unique to one test.</summary>
    public StorageOptions CreateStorageOptions(string? prefix = null)
    {
        var unique = (prefix ?? "t") + Guid.NewGuid().ToString("N")[..12];
        return new StorageOptions
        {
            ConnectionString = ConnectionString,
            DirectoryContainer = $"{unique}-directory",
            SpoolContainer = $"{unique}-spool",
            MailboxContainer = $"{unique}-mailboxes",
            SieveContainer = $"{unique}-sieve",
            ListsContainer = $"{unique}-lists",
            MailboxTable = $"{unique.Replace("-", "", StringComparison.Ordinal)}mailboxes",
        };
    }

    /// <summary>
    /// Configuration (section:key) for a host of its own on this Azurite: the storage connection
    /// and containers and pipeline queues unique to it. Add the host's other settings to it.
    /// </summary>
    public Dictionary<string, string?> CreateIsolatedSettings(string? prefix = null)
    {
        var storage = CreateStorageOptions(prefix);
        var queuePrefix = storage.SpoolContainer[..^"-spool".Length];
        return new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = storage.ConnectionString,
            ["Storage:DirectoryContainer"] = storage.DirectoryContainer,
            ["Storage:SpoolContainer"] = storage.SpoolContainer,
            ["Storage:MailboxContainer"] = storage.MailboxContainer,
            ["Storage:SieveContainer"] = storage.SieveContainer,
            ["Storage:ListsContainer"] = storage.ListsContainer,
            ["Storage:MailboxTable"] = storage.MailboxTable,
            ["Queueing:InboundQueue"] = $"{queuePrefix}-inbound",
            ["Queueing:DeliverQueue"] = $"{queuePrefix}-deliver",
            ["Queueing:RelayQueue"] = $"{queuePrefix}-relay",
        };
    }

    /// <summary>Storage clients on fresh containers (created), optionally with extra pipeline policies (e.g. <see cref="RequestCounter"/>).</summary>
    public async Task<StorageClients> CreateStorageAsync(RequestCounter? counter = null)
    {
        var blobOptions = new Azure.Storage.Blobs.BlobClientOptions();
        var queueOptions = new Azure.Storage.Queues.QueueClientOptions();
        var tableOptions = new Azure.Data.Tables.TableClientOptions();
        if (counter is not null)
        {
            blobOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
            queueOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
            tableOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
        }

        var clients = new StorageClients(Options.Create(CreateStorageOptions()), null, blobOptions, queueOptions, tableOptions);
        await clients.EnsureContainersAsync(CancellationToken.None);
        return clients;
    }
}
