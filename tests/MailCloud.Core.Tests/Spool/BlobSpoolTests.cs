using System.Security.Cryptography;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using MailCloud.Core.Configuration;
using MailCloud.Core.Spool;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailCloud.Core.Tests.Spool;

[Collection(AzuriteCollection.Name)]
public class BlobSpoolTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 15, 9, 26, TimeSpan.Zero);

    [Fact]
    public async Task Streams_a_30_MB_message_in_blocks_and_reads_it_back_identical()
    {
        var storage = await azurite.CreateStorageAsync();
        var spool = CreateSpool(storage, Now);
        var content = RandomNumberGenerator.GetBytes(30 * 1024 * 1024 + 123);

        await using var writer = await spool.CreateAsync("big-1", CancellationToken.None);

        // Odd-sized writes, as a network reader would deliver them.
        for (var offset = 0; offset < content.Length; offset += 65_521)
        {
            await writer.Content.WriteAsync(content.AsMemory(offset, Math.Min(65_521, content.Length - offset)));
        }

        var size = await writer.CommitAsync(CancellationToken.None);

        Assert.Equal(content.Length, size);
        Assert.Equal("2025/03/14/big-1.eml", writer.SpoolBlob);
        BlockList blocks = await storage.Spool.GetBlockBlobClient(writer.SpoolBlob).GetBlockListAsync(BlockListTypes.Committed);
        Assert.Equal(8, blocks.CommittedBlocks.Count());

        await using var read = await spool.OpenReadAsync(writer.SpoolBlob, CancellationToken.None);
        Assert.Equal(SHA256.HashData(content), await SHA256.HashDataAsync(read));
    }

    [Fact]
    public async Task A_message_under_one_block_goes_up_with_its_leading_bytes_in_one_Put_Blob()
    {
        var counter = new RequestCounter();
        var storage = await azurite.CreateStorageAsync(counter);
        var spool = CreateSpool(storage, Now);
        await using var writer = await spool.CreateAsync("small-1", CancellationToken.None);

        // Past the initial hold buffer, so it has grown once, but short of a block.
        var body = RandomNumberGenerator.GetBytes(300 * 1024);
        for (var offset = 0; offset < body.Length; offset += 4096)
        {
            await writer.Content.WriteAsync(body.AsMemory(offset, Math.Min(4096, body.Length - offset)));
        }

        var head = "Received: from a by b; Mon, 1 Dec 2026 10:00:00 +0000\r\n"u8.ToArray();
        counter.Reset();
        var size = await writer.CommitAsync(head, CancellationToken.None);

        var request = Assert.Single(counter.Requests);
        Assert.StartsWith("PUT ", request);
        Assert.EndsWith("/small-1.eml", request);
        Assert.Equal(head.Length + body.Length, size);
        await using var read = await spool.OpenReadAsync(writer.SpoolBlob, CancellationToken.None);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal([.. head, .. body], copy.ToArray());
    }

    [Fact]
    public async Task The_head_of_a_message_is_its_first_bytes_and_its_whole_size_in_one_request()
    {
        var counter = new RequestCounter();
        var storage = await azurite.CreateStorageAsync(counter);
        var spool = CreateSpool(storage, Now);
        var large = RandomNumberGenerator.GetBytes(100_000);
        var small = "Subject: hi\r\n\r\nbody\r\n"u8.ToArray();
        var largeBlob = await WriteAsync(spool, "head-large", large);
        var smallBlob = await WriteAsync(spool, "head-small", small);

        counter.Reset();
        var largeHead = await spool.ReadHeadAsync(largeBlob, 4096, CancellationToken.None);
        var smallHead = await spool.ReadHeadAsync(smallBlob, 4096, CancellationToken.None);

        Assert.Equal(2, counter.Count);
        Assert.Equal(large[..4096], largeHead.Bytes.ToArray());
        Assert.Equal(large.Length, largeHead.Size);
        Assert.False(largeHead.IsWhole);
        Assert.Equal(small, smallHead.Bytes.ToArray());
        Assert.True(smallHead.IsWhole);
        await Assert.ThrowsAsync<SpoolMessageNotFoundException>(() => spool.ReadHeadAsync("2025/03/14/never-written.eml", 4096, CancellationToken.None));
    }

    [Fact]
    public async Task Synchronous_writes_are_kept_too()
    {
        var storage = await azurite.CreateStorageAsync();
        var spool = CreateSpool(storage, Now);
        await using var writer = await spool.CreateAsync("sync-1", CancellationToken.None);

        writer.Content.Write("Subject: hi\r\n\r\nbody\r\n"u8);
        await writer.CommitAsync(CancellationToken.None);

        await using var read = await spool.OpenReadAsync(writer.SpoolBlob, CancellationToken.None);
        using var text = new StreamReader(read);
        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", await text.ReadToEndAsync());
    }

    [Fact]
    public async Task Leading_bytes_given_at_commit_come_first_in_the_same_blob()
    {
        var storage = await azurite.CreateStorageAsync();
        var spool = CreateSpool(storage, Now);
        await using var writer = await spool.CreateAsync("lead-1", CancellationToken.None);
        var body = RandomNumberGenerator.GetBytes(BlobSpool.BlockSize + 10);
        await writer.Content.WriteAsync(body);

        var size = await writer.CommitAsync("Authentication-Results: mx.example.test; none\r\nSubject: hi\r\n\r\n"u8.ToArray(), CancellationToken.None);

        await using var read = await spool.OpenReadAsync(writer.SpoolBlob, CancellationToken.None);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        var head = "Authentication-Results: mx.example.test; none\r\nSubject: hi\r\n\r\n"u8.ToArray();
        Assert.Equal([.. head, .. body], copy.ToArray());
        Assert.Equal(head.Length + body.Length, size);
        BlockList blocks = await storage.Spool.GetBlockBlobClient(writer.SpoolBlob).GetBlockListAsync(BlockListTypes.Committed);
        Assert.Equal([head.Length, BlobSpool.BlockSize, 10], blocks.CommittedBlocks.Select(b => b.SizeLong));
    }

    [Fact]
    public async Task An_abandoned_writer_leaves_nothing_visible()
    {
        var storage = await azurite.CreateStorageAsync();
        var spool = CreateSpool(storage, Now);
        string name;
        await using (var writer = await spool.CreateAsync("dropped-1", CancellationToken.None))
        {
            name = writer.SpoolBlob;
            await writer.Content.WriteAsync(new byte[BlobSpool.BlockSize + 10]);
        }

        Assert.Empty(await ToListAsync(storage.Spool.GetBlobsAsync()));
        await Assert.ThrowsAsync<SpoolMessageNotFoundException>(() => spool.OpenReadAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task A_second_commit_of_the_same_id_is_refused_and_the_first_message_survives()
    {
        var storage = await azurite.CreateStorageAsync();
        var spool = CreateSpool(storage, Now);
        await using (var first = await spool.CreateAsync("twice", CancellationToken.None))
        {
            await first.Content.WriteAsync("first"u8.ToArray());
            await first.CommitAsync(CancellationToken.None);
        }

        await using var second = await spool.CreateAsync("twice", CancellationToken.None);
        await second.Content.WriteAsync("second"u8.ToArray());
        var refused = await Assert.ThrowsAsync<SpoolMessageExistsException>(() => second.CommitAsync(CancellationToken.None));

        Assert.Equal("2025/03/14/twice.eml", refused.SpoolBlob);
        await using var read = await spool.OpenReadAsync(refused.SpoolBlob, CancellationToken.None);
        Assert.Equal("first", await new StreamReader(read).ReadToEndAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("sp ace")]
    [InlineData("ümlaut")]
    [InlineData("x\r\n")]
    public async Task Invalid_message_ids_are_refused(string messageId)
    {
        var storage = await azurite.CreateStorageAsync();
        var spool = CreateSpool(storage, Now);

        await Assert.ThrowsAsync<ArgumentException>(() => spool.CreateAsync(messageId, CancellationToken.None));
    }

    [Fact]
    public async Task A_message_id_longer_than_the_limit_is_refused()
    {
        var storage = await azurite.CreateStorageAsync();
        var spool = CreateSpool(storage, Now);

        await using var longest = await spool.CreateAsync(new string('a', SpoolBlobName.MaxMessageIdLength), CancellationToken.None);
        await Assert.ThrowsAsync<ArgumentException>(() => spool.CreateAsync(new string('a', SpoolBlobName.MaxMessageIdLength + 1), CancellationToken.None));
    }

    [Theory]
    [InlineData("2025/03/14/../../directory/x.eml")]
    [InlineData("directory/accounts.json")]
    [InlineData("2025/03/14/m.txt")]
    public async Task Reads_and_deletes_refuse_names_the_spool_never_writes(string spoolBlob)
    {
        var storage = await azurite.CreateStorageAsync();
        var spool = CreateSpool(storage, Now);

        await Assert.ThrowsAsync<ArgumentException>(() => spool.OpenReadAsync(spoolBlob, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => spool.DeleteAsync(spoolBlob, CancellationToken.None));
    }

    [Fact]
    public async Task Reading_a_missing_message_throws_not_found()
    {
        var storage = await azurite.CreateStorageAsync();
        var spool = CreateSpool(storage, Now);

        var missing = await Assert.ThrowsAsync<SpoolMessageNotFoundException>(() => spool.OpenReadAsync("2025/03/14/nope.eml", CancellationToken.None));
        Assert.Equal("2025/03/14/nope.eml", missing.SpoolBlob);
    }

    [Fact]
    public async Task Delete_removes_the_message_and_is_idempotent()
    {
        var storage = await azurite.CreateStorageAsync();
        var spool = CreateSpool(storage, Now);
        var name = await WriteAsync(spool, "gone");

        await spool.DeleteAsync(name, CancellationToken.None);
        await spool.DeleteAsync(name, CancellationToken.None);

        await Assert.ThrowsAsync<SpoolMessageNotFoundException>(() => spool.OpenReadAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task The_sweep_lists_only_messages_older_than_the_cut_off()
    {
        var storage = await azurite.CreateStorageAsync();
        var old = await WriteAsync(CreateSpool(storage, Now.AddDays(-3)), "old");
        var recent = await WriteAsync(CreateSpool(storage, Now), "recent");
        await WriteAsync(CreateSpool(storage, DateTimeOffset.UtcNow.AddDays(2)), "named-for-a-later-day");

        // Azurite stamps real creation times: a cut-off minutes ahead includes every blob named for
        // a day up to today, one in the past none; a name for a later day ends the listing.
        var future = DateTimeOffset.UtcNow.AddMinutes(5);
        var spool = CreateSpool(storage, Now);
        var all = await ToListAsync(spool.ListAsync(future, CancellationToken.None));
        var none = await ToListAsync(spool.ListAsync(DateTimeOffset.UtcNow.AddHours(-1), CancellationToken.None));

        Assert.Equal([old, recent], all.Select(e => e.SpoolBlob));
        Assert.All(all, e => Assert.Equal(4, e.Size));
        Assert.Empty(none);
    }

    private static BlobSpool CreateSpool(StorageClients storage, DateTimeOffset now) =>
        new(storage, new FixedTimeProvider(now), NullLogger<BlobSpool>.Instance);

    private static Task<string> WriteAsync(ISpool spool, string messageId) => WriteAsync(spool, messageId, "data"u8.ToArray());

    private static async Task<string> WriteAsync(ISpool spool, string messageId, byte[] content)
    {
        await using var writer = await spool.CreateAsync(messageId, CancellationToken.None);
        await writer.Content.WriteAsync(content);
        await writer.CommitAsync(CancellationToken.None);
        return writer.SpoolBlob;
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
