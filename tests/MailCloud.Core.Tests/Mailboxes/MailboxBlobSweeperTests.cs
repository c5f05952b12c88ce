using MailCloud.Core.Mailboxes;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Mailboxes;

[Collection(AzuriteCollection.Name)]
public class MailboxBlobSweeperTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Unreferenced_blobs_are_deleted_once_old_and_referenced_ones_never()
    {
        var harness = await MailboxTestHarness.CreateAsync(azurite);
        var store = harness.NewStore();
        await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("kept"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        var moved = await store.AppendAsync(harness.AccountId, "INBOX", MailboxTestHarness.Message("moved"), MessageFlags.Empty, DateTimeOffset.UtcNow, null, None);
        await store.MoveAsync(harness.AccountId, "INBOX", [moved.Uid], "Archive", None);
        var referenced = await harness.BlobNamesAsync();
        await harness.Storage.Mailboxes.UploadBlobAsync($"{harness.AccountId}/left-by-a-crash", BinaryData.FromString("orphan"));

        var young = await Sweeper(harness, DateTimeOffset.UtcNow).SweepAsync(None);
        var old = await Sweeper(harness, DateTimeOffset.UtcNow + TimeSpan.FromDays(400)).SweepAsync(None);

        Assert.Equal(0, young);
        Assert.Equal(1, old);
        Assert.Equal(referenced.Order(), (await harness.BlobNamesAsync()).Order());
        Assert.Equal(2, referenced.Count);
        await MailboxConsistency.AssertAsync(harness);
        Assert.Single((await store.GetSnapshotAsync(harness.AccountId, "Archive", None)).Messages);
    }

    private static MailboxBlobSweeper Sweeper(MailboxTestHarness harness, DateTimeOffset now) =>
        new(harness.Storage, Options.Create(new MailboxStoreOptions()), new FixedClock(now), NullLogger<MailboxBlobSweeper>.Instance);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
