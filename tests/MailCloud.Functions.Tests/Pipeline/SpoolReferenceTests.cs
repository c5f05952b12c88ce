using Azure.Storage.Blobs.Models;
using MailCloud.Core.Configuration;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Pipeline.Housekeeping;
using MailCloud.Core.Spool;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Functions.Tests.Pipeline;

/// <summary>
/// Delivered mail is not copied: mailbox rows reference the accepted spool blob. So the spool
/// sweep keeps a blob, however old, while any mailbox references it, and deletes it once none does.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SpoolReferenceTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(6);
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_spool_blob_two_mailboxes_reference_outlives_the_retention_until_both_expunge_it()
    {
        var clock = new ShiftedClock();
        await using var host = await PipelineTestHost.CreateAsync(azurite, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        await host.Directory.AddDomainAsync("example.test", None);
        var alice = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-12345", null, null, None);
        var bob = await host.Directory.AddAccountAsync("bob@example.test", "pw-bob-1234567", null, null, None);
        await host.StartAsync();
        var accepted = await host.SubmitAsync("sender@remote.test", ["alice@example.test", "bob@example.test"], PipelineTestHost.NewMessage("sender@remote.test", "alice@example.test", "shared bytes"));
        await host.WaitForInboxAsync(alice.Id);
        await host.WaitForInboxAsync(bob.Id);
        await host.WaitForIdleAsync();
        var unreferenced = await WriteSpoolBlobAsync(host, "never-delivered");
        var sweeper = host.Services.GetRequiredService<SpoolSweeper>();
        var store = host.Services.GetRequiredService<IMailboxStore>();

        Assert.Empty(await MailboxContainerBlobsAsync(host));
        clock.MoveTo(Retention + TimeSpan.FromDays(30));
        await sweeper.SweepAsync(None);
        Assert.True(await SpoolBlobExistsAsync(host, accepted.SpoolBlob));
        Assert.False(await SpoolBlobExistsAsync(host, unreferenced));
        var inbox = Assert.Single(await host.ReadInboxAsync(bob.Id));
        Assert.Equal("shared bytes", inbox.Subject);
        Assert.Equal("bob@example.test", inbox.Headers["Delivered-To"]);

        await ExpungeAllAsync(store, alice.Id);
        await sweeper.SweepAsync(None);
        Assert.True(await SpoolBlobExistsAsync(host, accepted.SpoolBlob));
        Assert.Single(await host.ReadInboxAsync(bob.Id));

        await ExpungeAllAsync(store, bob.Id);
        await sweeper.SweepAsync(None);
        Assert.False(await SpoolBlobExistsAsync(host, accepted.SpoolBlob));
    }

    [Fact]
    public async Task A_copy_references_the_same_spool_blob_and_keeps_it_after_the_original_is_expunged()
    {
        var clock = new ShiftedClock();
        await using var host = await PipelineTestHost.CreateAsync(azurite, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        await host.Directory.AddDomainAsync("example.test", None);
        var alice = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-12345", null, null, None);
        await host.StartAsync();
        var accepted = await host.SubmitAsync("sender@remote.test", ["alice@example.test"], PipelineTestHost.NewMessage("sender@remote.test", "alice@example.test", "copied"));
        await host.WaitForInboxAsync(alice.Id);
        var store = host.Services.GetRequiredService<IMailboxStore>();
        var original = Assert.Single((await store.GetSnapshotAsync(alice.Id, "INBOX", None)).Messages);

        await store.CopyAsync(alice.Id, "INBOX", [original.Uid], "Archive", MailboxQuota.Unlimited, None);
        await ExpungeAllAsync(store, alice.Id);
        clock.MoveTo(Retention + TimeSpan.FromDays(1));
        await host.Services.GetRequiredService<SpoolSweeper>().SweepAsync(None);

        Assert.True(await SpoolBlobExistsAsync(host, accepted.SpoolBlob));
        Assert.Empty(await MailboxContainerBlobsAsync(host));
        var copy = Assert.Single((await store.GetSnapshotAsync(alice.Id, "Archive", None)).Messages);
        Assert.Equal(original.Size, copy.Size);
        Assert.Equal(await ReadAllAsync(store, original), await ReadAllAsync(store, copy));
    }

    [Fact]
    public async Task Mail_delivered_within_an_hour_of_the_retention_is_copied_and_survives_the_sweep()
    {
        var clock = new ShiftedClock();
        await using var host = await PipelineTestHost.CreateAsync(azurite, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        await host.Directory.AddDomainAsync("example.test", None);
        var alice = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-12345", null, null, None);
        var accepted = await host.SubmitAsync("sender@remote.test", ["alice@example.test"], PipelineTestHost.NewMessage("sender@remote.test", "alice@example.test", "late"));

        // Route first runs half an hour before the spool may delete the blob, as a long-delayed replay would.
        clock.MoveTo(Retention - TimeSpan.FromMinutes(30));
        await host.StartAsync();
        await host.WaitForInboxAsync(alice.Id);
        Assert.Single(await MailboxContainerBlobsAsync(host));
        clock.MoveTo(Retention + TimeSpan.FromHours(1));
        await host.Services.GetRequiredService<SpoolSweeper>().SweepAsync(None);

        Assert.False(await SpoolBlobExistsAsync(host, accepted.SpoolBlob));
        Assert.Equal("late", Assert.Single(await host.ReadInboxAsync(alice.Id)).Subject);
    }

    [Fact]
    public async Task Reads_of_a_referenced_message_join_the_trace_lines_and_the_spool_blob_at_any_range()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        await host.Directory.AddDomainAsync("example.test", None);
        var alice = await host.Directory.AddAccountAsync("alice@example.test", "pw-alice-12345", null, null, None);
        await host.StartAsync();
        var accepted = await host.SubmitAsync("sender@remote.test", ["alice@example.test"], PipelineTestHost.NewMessage("sender@remote.test", "alice@example.test", "ranges"));
        await host.WaitForInboxAsync(alice.Id);
        var store = host.Services.GetRequiredService<IMailboxStore>();
        var message = Assert.Single((await store.GetSnapshotAsync(alice.Id, "INBOX", None)).Messages);
        byte[] spooled;
        await using (var spool = await host.Spool.OpenReadAsync(accepted.SpoolBlob, None))
        {
            spooled = await ReadToEndAsync(spool);
        }

        var whole = await ReadAllAsync(store, message);
        var trace = "Return-Path: <sender@remote.test>\r\nDelivered-To: alice@example.test\r\n"u8.ToArray();
        Assert.Equal([.. trace, .. spooled], whole);
        Assert.Equal(whole.Length, message.Size);
        Assert.Equal("ranges", message.Headers?.Subject);
        foreach (var (offset, length) in new (long, long?)[] { (0, 10), (5, trace.Length), (trace.Length - 3, 10), (trace.Length, 20), (trace.Length + 7, null), (whole.Length, 5) })
        {
            await using var part = await store.OpenMessageAsync(message, offset, length, None);
            var expected = whole.AsSpan((int)Math.Min(offset, whole.Length));
            Assert.Equal(length is { } n ? expected[..(int)Math.Min(n, expected.Length)].ToArray() : expected.ToArray(), await ReadToEndAsync(part));
        }
    }

    private static async Task ExpungeAllAsync(IMailboxStore store, string accountId)
    {
        var uids = (await store.GetSnapshotAsync(accountId, "INBOX", None)).Messages.Select(m => m.Uid).ToList();
        await store.StoreFlagsAsync(accountId, "INBOX", uids, FlagChangeMode.Add, MessageFlags.Empty with { System = SystemFlags.Deleted }, null, None);
        await store.ExpungeAsync(accountId, "INBOX", null, None);
    }

    private static async Task<byte[]> ReadAllAsync(IMailboxStore store, MessageSummary message)
    {
        await using var stream = await store.OpenMessageAsync(message, 0, null, None);
        return await ReadToEndAsync(stream);
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static async Task<string> WriteSpoolBlobAsync(PipelineTestHost host, string messageId)
    {
        await using var writer = await host.Spool.CreateAsync(messageId, None);
        await writer.Content.WriteAsync("Subject: nobody's\r\n\r\nbody\r\n"u8.ToArray());
        await writer.CommitAsync(None);
        return writer.SpoolBlob;
    }

    private static async Task<bool> SpoolBlobExistsAsync(PipelineTestHost host, string spoolBlob)
    {
        try
        {
            await using var stream = await host.Spool.OpenReadAsync(spoolBlob, None);
            return true;
        }
        catch (SpoolMessageNotFoundException)
        {
            return false;
        }
    }

    private static async Task<List<string>> MailboxContainerBlobsAsync(PipelineTestHost host)
    {
        var names = new List<string>();
        await foreach (var blob in host.Services.GetRequiredService<StorageClients>().Mailboxes.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, None))
        {
            names.Add(blob.Name);
        }

        return names;
    }
}
