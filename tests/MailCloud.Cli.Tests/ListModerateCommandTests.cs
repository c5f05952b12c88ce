using System.Text;
using MailCloud.Core.Configuration;
using MailCloud.Core.Lists.State;
using MailCloud.Core.Queueing;
using MailCloud.Core.Queueing.StorageQueues;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Cli.Tests;

/// <summary><c>mailcloud list moderate</c> as a subprocess against Azurite: held posts listed, approved into "inbound" once, discarded with a notice.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ListModerateCommandTests(AzuriteFixture azurite)
{
    private const string List = "team@example.test";
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly string _inbound = $"in{Guid.NewGuid():N}"[..12];

    [Fact]
    public async Task Lists_approves_and_discards_held_posts()
    {
        var options = azurite.CreateStorageOptions();
        var storage = new StorageClients(Options.Create(options));
        await storage.EnsureContainersAsync(Ct);
        var transport = new StorageQueueTransport(storage, Options.Create(new QueueingOptions()), TimeProvider.System, NullLogger<StorageQueueTransport>.Instance);
        await transport.EnsureQueuesAsync([_inbound], Ct);
        var cli = new MailCloudProcess(options, new Dictionary<string, string>
        {
            ["Queueing__Transport"] = nameof(QueueTransportKind.StorageQueues),
            ["Queueing__InboundQueue"] = _inbound,
        });
        Succeeded(await cli.RunAsync("domain", "add", "example.test"));
        Succeeded(await cli.RunAsync("list", "add", List, "--member", "bob@remote.test", "--policy", "members"));

        var store = new HeldPostStore(storage);
        var first = await HoldAsync(store, "0123456789abcdef", "first", DateTimeOffset.UtcNow.AddMinutes(-2));
        var second = await HoldAsync(store, "fedcba9876543210", "second", DateTimeOffset.UtcNow.AddMinutes(-1));

        var rows = (await cli.RunAsync("list", "moderate", List)).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, rows.Length);
        Assert.StartsWith($"{first.Id}\t", rows[0], StringComparison.Ordinal);
        Assert.EndsWith("\tcarol@remote.test\tfirst\tnot a member", rows[0], StringComparison.Ordinal);

        Succeeded(await cli.RunAsync("list", "moderate", List, "approve", first.Id));
        var queued = Assert.Single(await transport.PeekAsync(_inbound, 10, Ct));
        var released = EnvelopeSerializer.Deserialize(queued.Body);
        Assert.Equal($"approved-{first.Id}", released.MessageId);
        Assert.Equal(List, released.ApprovedForList);
        Assert.Equal("carol@remote.test", released.MailFrom);

        // Decided once: approving again, or discarding it, finds nothing.
        Assert.Equal(1, (await cli.RunAsync("list", "moderate", List, "discard", first.Id)).ExitCode);
        Assert.Equal(1, (await cli.RunAsync("list", "moderate", List, "approve", first.Id)).ExitCode);

        Succeeded(await cli.RunAsync("list", "moderate", List, "discard", second.Id));
        var messages = await transport.PeekAsync(_inbound, 10, Ct);
        Assert.Equal(2, messages.Count);
        Assert.Contains(messages, m => m.MessageId == $"list-held-{second.Id}-discarded");
        Assert.Empty((await cli.RunAsync("list", "moderate", List)).Output.Trim());

        var usage = await cli.RunAsync("list", "moderate", List, "approve");
        Assert.NotEqual(0, usage.ExitCode);
    }

    private static Task<HeldPost> HoldAsync(HeldPostStore store, string id, string subject, DateTimeOffset heldAt)
    {
        var envelope = new MessageEnvelope
        {
            MessageId = "m-" + id,
            SpoolBlob = "gone.eml",
            MailFrom = "carol@remote.test",
            Recipients = [new EnvelopeRecipient { Address = List }],
            ReceivedFrom = new ReceivedFrom { RemoteIp = "192.0.2.1", Helo = "remote.test", Listener = "mx" },
            ReceivedAt = heldAt,
        };
        var post = new HeldPost(id, List, "carol@remote.test", "carol@remote.test", "not a member", subject, heldAt, "a" + id[..15], "b" + id[..15], EnvelopeSerializer.Serialize(envelope).ToString());
        var content = Encoding.ASCII.GetBytes($"From: carol@remote.test\r\nTo: {List}\r\nSubject: {subject}\r\n\r\nHello.\r\n");
        return store.HoldAsync(post, _ => Task.FromResult<Stream>(new MemoryStream(content)), Ct);
    }

    private static void Succeeded(CliResult result) => Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
}
