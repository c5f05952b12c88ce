using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing;
using MailCloud.Core.Queueing.StorageQueues;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Cli.Tests.Queue;

/// <summary><c>mailcloud queue ...</c> as a subprocess against Azurite, on queues unique to each test.</summary>
[Collection(AzuriteCollection.Name)]
public class QueueCommandTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];

    private string Inbound => $"in{_suffix}";
    private string Deliver => $"de{_suffix}";
    private string Relay => $"re{_suffix}";

    [Fact]
    public async Task List_shows_every_pipeline_queue_with_active_and_dead_lettered_counts()
    {
        var transport = await CreateTransportAsync();
        await transport.SendAsync(Inbound, Envelope("m-1"), delay: null, None);
        await transport.SendAsync(Inbound, Envelope("m-2"), delay: null, None);
        await DeadLetterAsync(transport, Relay, "m-3", "no MX for example.invalid");

        var result = await RunAsync("queue", "list");

        Assert.Equal(0, result.ExitCode);
        var rows = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(cells => cells[0], cells => string.Join(' ', cells.Skip(1)));
        Assert.Equal("2 0", rows[Inbound]);
        Assert.Equal("0 0", rows[Deliver]);
        Assert.Equal("0 1", rows[Relay]);
    }

    [Fact]
    public async Task Show_dead_letter_prints_ids_reasons_and_the_envelope_summary()
    {
        var transport = await CreateTransportAsync();
        await DeadLetterAsync(transport, Relay, "m-dead", "no MX for example.invalid");

        var result = await RunAsync("queue", "show", Relay, "--dead-letter");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("m-dead  dead-lettered ", result.Output);
        Assert.Contains("reason: no MX for example.invalid", result.Output);
        Assert.Contains("from alice@example.test to bob@example.invalid, carol@example.invalid; attempt 3", result.Output);
    }

    [Fact]
    public async Task Show_prints_waiting_messages_up_to_max()
    {
        var transport = await CreateTransportAsync();
        await transport.SendAsync(Deliver, Envelope("m-1"), delay: null, None);
        await transport.SendAsync(Deliver, Envelope("m-2"), delay: null, None);

        var result = await RunAsync("queue", "show", Deliver, "--max", "1");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("m-1  enqueued ", result.Output);
        Assert.DoesNotContain("m-2", result.Output);
        Assert.Contains("from alice@example.test to bob@example.invalid", result.Output);
    }

    [Fact]
    public async Task Replay_by_id_moves_that_dead_letter_back_and_an_unknown_id_fails()
    {
        var transport = await CreateTransportAsync();
        await DeadLetterAsync(transport, Deliver, "m-a", "mailbox unavailable");
        await DeadLetterAsync(transport, Deliver, "m-b", "mailbox unavailable");

        var replayed = await RunAsync("queue", "replay", Deliver, "--id", "m-b");
        var unknown = await RunAsync("queue", "replay", Deliver, "--id", "m-unknown");

        Assert.Equal(0, replayed.ExitCode);
        Assert.Contains("Replayed 1 message(s)", replayed.Output);
        var back = Assert.Single(await transport.ReceiveAsync(Deliver, 10, TimeSpan.FromMinutes(1), None));
        Assert.Equal("m-b", back.MessageId);
        Assert.Equal(Envelope("m-b").Body.ToArray(), back.Body.ToArray());
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no dead letter with id 'm-unknown'", unknown.Error);
        Assert.Equal(new QueueDepth(Deliver, 1, 1), await transport.GetDepthAsync(Deliver, None));
    }

    [Fact]
    public async Task Purge_requires_yes_and_then_empties_the_dead_letters()
    {
        var transport = await CreateTransportAsync();
        await DeadLetterAsync(transport, Inbound, "m-1", "unreadable");
        await transport.SendAsync(Inbound, Envelope("m-2"), delay: null, None);

        var refused = await RunAsync("queue", "purge", Inbound, "--dead-letter");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--yes", refused.Error);
        Assert.Equal(new QueueDepth(Inbound, 1, 1), await transport.GetDepthAsync(Inbound, None));

        var purged = await RunAsync("queue", "purge", Inbound, "--dead-letter", "--yes");
        Assert.Equal(0, purged.ExitCode);
        Assert.Contains("Purged 1 message(s) from the dead letters of " + Inbound, purged.Output);
        Assert.Equal(new QueueDepth(Inbound, 1, 0), await transport.GetDepthAsync(Inbound, None));
    }

    [Fact]
    public async Task An_unknown_queue_is_an_error_naming_the_pipeline_queues()
    {
        var result = await RunAsync("queue", "show", "outbound");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"unknown queue 'outbound'; the pipeline queues are {Inbound}, {Deliver}, {Relay}", result.Error);
    }

    [Fact]
    public async Task A_max_below_one_is_refused()
    {
        var result = await RunAsync("queue", "show", Inbound, "--max", "0");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--max must be at least 1", result.Error);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("show", "--dead-letter", "--max")]
    [InlineData("replay", "--id")]
    [InlineData("purge", "--dead-letter", "--yes")]
    public async Task Every_subcommand_has_help(string subcommand, params string[] options)
    {
        var result = await RunAsync("queue", subcommand, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.All(options, option => Assert.Contains(option, result.Output));
    }

    private static OutgoingMessage Envelope(string messageId) => new(messageId, EnvelopeSerializer.Serialize(new MessageEnvelope
    {
        MessageId = messageId,
        SpoolBlob = $"2025/06/01/{messageId}.eml",
        MailFrom = "alice@example.test",
        Recipients = [new EnvelopeRecipient { Address = "bob@example.invalid" }, new EnvelopeRecipient { Address = "carol@example.invalid" }],
        ReceivedFrom = new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = "client.test" },
        ReceivedAt = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero),
        Attempt = 3,
    }));

    private static async Task DeadLetterAsync(StorageQueueTransport transport, string queue, string messageId, string reason)
    {
        await transport.SendAsync(queue, Envelope(messageId), delay: null, None);
        var received = Assert.Single(await transport.ReceiveAsync(queue, 1, TimeSpan.FromMinutes(1), None));
        await transport.DeadLetterAsync(received, reason, None);
    }

    private async Task<StorageQueueTransport> CreateTransportAsync()
    {
        var storage = new StorageClients(Options.Create(azurite.CreateStorageOptions()));
        var transport = new StorageQueueTransport(storage, Options.Create(new QueueingOptions()), TimeProvider.System, NullLogger<StorageQueueTransport>.Instance);
        await transport.EnsureQueuesAsync([Inbound, Deliver, Relay], None);
        return transport;
    }

    private Task<CliResult> RunAsync(params string[] arguments) =>
        new MailCloudProcess(
            azurite.CreateStorageOptions(),
            new Dictionary<string, string>
            {
                ["Queueing__Transport"] = nameof(QueueTransportKind.StorageQueues),
                ["Queueing__InboundQueue"] = Inbound,
                ["Queueing__DeliverQueue"] = Deliver,
                ["Queueing__RelayQueue"] = Relay,
            }).RunAsync(arguments);
}
