using MailCloud.Testing;

namespace MailCloud.Core.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public class AzuriteSmokeTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Storage_clients_reach_azurite_and_count_requests()
    {
        var counter = new RequestCounter();
        var storage = await azurite.CreateStorageAsync(counter);
        counter.Reset();

        await storage.Spool.GetBlobClient("probe").UploadAsync(BinaryData.FromString("hello"));
        var downloaded = await storage.Spool.GetBlobClient("probe").DownloadContentAsync();

        Assert.Equal("hello", downloaded.Value.Content.ToString());
        Assert.Equal(2, counter.Count);
    }
}
