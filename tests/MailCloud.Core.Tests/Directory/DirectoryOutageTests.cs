using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Testing;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Tests.Directory;

/// <summary>
/// The directory when its storage is down (issue 14, defect 8): reads and logins go on from the last
/// snapshot read, and only with none, or for a write, does a domain exception (never an SDK one) come out.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DirectoryOutageTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task With_no_snapshot_ever_read_reads_logins_and_writes_fail_with_DirectoryUnavailableException()
    {
        var (writer, outage, readerStorage) = await SetUpAsync();
        var reader = TestDirectories.Create(readerStorage);
        outage.IsDown = true;

        await Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await reader.GetSnapshotAsync(Ct));
        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => reader.AuthenticateAsync("alice@example.test", "alice-secret", Ct));
        var write = await Assert.ThrowsAsync<DirectoryUnavailableException>(() => reader.AddDomainAsync("other.test", Ct));
        Assert.Contains("directory.json", write.Message, StringComparison.Ordinal);
        Assert.True(outage.FailedRequests > 0);

        outage.IsDown = false;
        Assert.NotNull(await reader.AuthenticateAsync("alice@example.test", "alice-secret", Ct));
        Assert.DoesNotContain("other.test", (await writer.GetSnapshotAsync(Ct)).Domains.Select(d => d.Name));
    }

    [Fact]
    public async Task With_a_snapshot_read_reads_and_logins_go_on_from_it_and_the_failure_is_logged()
    {
        var (writer, outage, readerStorage) = await SetUpAsync();
        var time = new SteppedTimeProvider();
        var log = new RecordingLogger();
        var reader = TestDirectories.Create(readerStorage, TestDirectories.Options(Interval), time, log);
        var loaded = await reader.GetSnapshotAsync(Ct);

        outage.IsDown = true;
        time.Advance(Interval * 2);
        Assert.Equal(loaded.Version, (await reader.GetSnapshotAsync(Ct)).Version);
        var failedOnce = outage.FailedRequests;
        Assert.True(failedOnce > 0, "the stale snapshot was revalidated against storage");
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("last snapshot read", StringComparison.Ordinal));
        Assert.NotNull(await reader.AuthenticateAsync("alice@example.test", "alice-secret", Ct));
        Assert.Null(await reader.AuthenticateAsync("alice@example.test", "wrong", Ct));

        // Storage is asked again one interval later, not on every call meanwhile.
        Assert.Equal(failedOnce, outage.FailedRequests);
        await Assert.ThrowsAsync<DirectoryUnavailableException>(() => reader.AddDomainAsync("other.test", Ct));

        outage.IsDown = false;
        await writer.AddAccountAsync("carol@example.test", "carol-secret", null, null, Ct);
        time.Advance(Interval * 2);
        Assert.NotNull((await reader.GetSnapshotAsync(Ct)).FindAccount("carol@example.test"));
    }

    /// <summary>A directory with one account, written through a healthy client; and a client of the same containers that the outage hits.</summary>
    private async Task<(BlobMailDirectory Writer, StorageOutage Outage, StorageClients ReaderStorage)> SetUpAsync()
    {
        var options = Microsoft.Extensions.Options.Options.Create(azurite.CreateStorageOptions());
        var healthy = new StorageClients(options);
        await healthy.EnsureContainersAsync(Ct);
        var writer = TestDirectories.Create(healthy);
        await writer.AddDomainAsync("example.test", Ct);
        await writer.AddAccountAsync("alice@example.test", "alice-secret", null, null, Ct);
        var outage = new StorageOutage(options.Value.DirectoryContainer);
        return (writer, outage, new StorageClients(options, blobOptions: outage.BlobClientOptions()));
    }

    private sealed class RecordingLogger : ILogger<BlobMailDirectory>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
