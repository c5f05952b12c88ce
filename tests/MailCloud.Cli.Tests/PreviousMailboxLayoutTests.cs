using MailCloud.Cli.Local;
using MailCloud.Testing;

namespace MailCloud.Cli.Tests;

/// <summary>`mailcloud dev` refuses data of the first mailbox store (folders.json/state.json blobs) and names --reset.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PreviousMailboxLayoutTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Data_of_the_blob_state_layout_is_recognised_and_the_table_layout_is_not()
    {
        var fresh = await azurite.CreateStorageAsync();
        var current = await azurite.CreateStorageAsync();
        await current.Mailboxes.UploadBlobAsync("0a1b2c/5f4e3d2c1b0a", BinaryData.FromString("From: a@example.test\r\n\r\nhi\r\n"));
        var previous = await azurite.CreateStorageAsync();
        await previous.Mailboxes.UploadBlobAsync("0a1b2c/folders.json", BinaryData.FromString("{}"));
        await previous.Mailboxes.UploadBlobAsync("0a1b2c/f/9f8e/state.json", BinaryData.FromString("{}"));

        Assert.False(await PreviousMailboxLayout.IsPresentAsync(fresh, CancellationToken.None));
        Assert.False(await PreviousMailboxLayout.IsPresentAsync(current, CancellationToken.None));
        Assert.True(await PreviousMailboxLayout.IsPresentAsync(previous, CancellationToken.None));
    }
}
