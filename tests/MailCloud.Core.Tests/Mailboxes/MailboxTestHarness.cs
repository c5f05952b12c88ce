using System.Text;
using MailCloud.Core.Configuration;
using MailCloud.Core.Mailboxes;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Mailboxes;

/// <summary>A clock the test moves by hand, to make reservations go stale without waiting.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Mailbox stores on fresh Azurite containers; several store instances can share one set of containers, as several Function instances would.</summary>
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

    /// <summary>Another store instance on the same containers, with its own clients (and optionally a request counter and clock).</summary>
    public BlobMailboxStore NewStore(RequestCounter? counter = null, TimeProvider? clock = null, MailboxStoreOptions? options = null)
    {
        var blobOptions = new Azure.Storage.Blobs.BlobClientOptions();
        if (counter is not null)
        {
            blobOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
        }

        var storage = new StorageClients(Options.Create(_storageOptions), null, blobOptions);
        return new BlobMailboxStore(storage, Options.Create(options ?? new MailboxStoreOptions()), clock ?? TimeProvider.System, NullLogger<BlobMailboxStore>.Instance);
    }

    public async Task<IReadOnlyList<string>> BlobNamesAsync()
    {
        var names = new List<string>();
        await foreach (var item in Storage.Mailboxes.GetBlobsAsync())
        {
            names.Add(item.Name);
        }

        return names;
    }

    public static MemoryStream Message(string subject, int bodyBytes = 64)
    {
        var text = $"From: a@example.test\r\nTo: b@example.test\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.test>\r\n\r\n{new string('x', bodyBytes)}\r\n";
        return new MemoryStream(Encoding.ASCII.GetBytes(text));
    }

    public static MessageFlags Flags(SystemFlags system, params string[] keywords) =>
        new(system, new HashSet<string>(keywords, StringComparer.OrdinalIgnoreCase));
}
