using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using MailCloud.Core;
using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// Storage and queue operations of one message end to end, counted by an Azure SDK pipeline policy
// on real Azurite, then priced per 1,000 messages. The stages are driven one queue message at a
// time (no polling runner), so every counted request belongs to the message.

const string LocalAccount = "alice@example.test";
const string RemoteDomain = "remote.test";
const string RemoteAddress = "bob@" + RemoteDomain;

var azurite = new AzuriteFixture();
await azurite.InitializeAsync();
try
{
    var rows = new List<(string Scenario, Counts Counts)>
    {
        ("queue-in -> 1 local mailbox (first message)", await MeasureLocalDeliveryAsync(azurite, warm: false)),
        ("queue-in -> 1 local mailbox (warm mailbox)", await MeasureLocalDeliveryAsync(azurite, warm: true)),
        ("queue-in -> 1 remote domain (relayed to its MX)", await MeasureRemoteRelayAsync(azurite)),
    };

    Console.WriteLine("| scenario | blob writes | blob reads | blob lists | table requests | queue ops | stage runs | USD per 1,000 messages |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var (scenario, counts) in rows)
    {
        Console.WriteLine(counts.Row(scenario));
    }

    Console.WriteLine();
    Console.WriteLine(Prices.Assumptions);
    foreach (var (scenario, counts) in rows)
    {
        Console.WriteLine();
        Console.WriteLine($"{scenario}, request by request:");
        foreach (var request in counts.Requests)
        {
            Console.WriteLine($"    {request}");
        }
    }
}
finally
{
    await azurite.DisposeAsync();
}

// A remote sender writes to a local account: Route, which delivers into the mailbox itself (Deliver stays idle).
static async Task<Counts> MeasureLocalDeliveryAsync(AzuriteFixture azurite, bool warm)
{
    var counter = new StorageRequests();
    using var host = await BuildHostAsync(azurite, counter);
    await AddLocalAccountAsync(host.Services);
    // Route delivers to a handful of local mailboxes itself: no deliver queue message to receive.
    PipelineStage[] stages = [PipelineStage.Route];
    if (warm)
    {
        await SubmitAndDrainAsync(host.Services, RemoteAddress, LocalAccount, stages);
    }

    counter.Reset();
    var runs = await SubmitAndDrainAsync(host.Services, RemoteAddress, LocalAccount, stages);
    return Counts.From(counter, runs);
}

// A local account writes to a remote domain: Route, then Relay, which looks up the domain's MX in
// real DNS and hands the message over SMTP, as in the relay tests: dnsmasq answers the MX query
// with a loopback host and an SMTP server listens there. MX records carry no port, so
// Relay:MxPort points the relay at that server's port instead of 25. (A smart host would skip
// DNS, and always requires TLS, which the loopback server does not offer.)
static async Task<Counts> MeasureRemoteRelayAsync(AzuriteFixture azurite)
{
    await using var dns = await DnsServer.StartAsync([$"--mx-host={RemoteDomain},mx.{RemoteDomain},10", $"--host-record=mx.{RemoteDomain},127.0.0.1"]);
    await using var remoteMx = new RemoteMta();
    var counter = new StorageRequests();
    using var host = await BuildHostAsync(azurite, counter, new Dictionary<string, string?>
    {
        ["Relay:DnsServers:0"] = dns.Endpoint,
        ["Relay:MxPort"] = remoteMx.Port.ToString(CultureInfo.InvariantCulture),
        ["Relay:SmtpTimeout"] = "00:00:10", // a broken setup fails in seconds, not the default 2 minutes
    });
    await AddLocalAccountAsync(host.Services);

    counter.Reset();
    var runs = await SubmitAndDrainAsync(host.Services, LocalAccount, RemoteAddress, [PipelineStage.Route, PipelineStage.Relay]);

    // A deferred relay also ends the drain (as a delayed retry), with other operations than a
    // delivery: count only a message the remote server actually accepted.
    if (remoteMx.Received.Count != 1)
    {
        throw new InvalidOperationException($"The remote MX accepted {remoteMx.Received.Count} messages, expected 1.");
    }

    return Counts.From(counter, runs);
}

// The directory is set up, and its snapshot loaded, before counting: both are per deployment, not per message.
static async Task AddLocalAccountAsync(IServiceProvider services)
{
    var directory = services.GetRequiredService<IMailDirectory>();
    await directory.AddDomainAsync("example.test", default);
    await directory.AddAccountAsync(LocalAccount, "pw-alice-12345", null, null, default);
    await directory.GetSnapshotAsync(default);
}

static async Task<int> SubmitAndDrainAsync(IServiceProvider services, string mailFrom, string recipient, IReadOnlyList<PipelineStage> stages)
{
    await SubmitAsync(services, mailFrom, recipient);
    return await DrainAsync(services, stages);
}

// What the gateway does on DATA: spool blob, then the inbound envelope.
static async Task SubmitAsync(IServiceProvider services, string mailFrom, string recipient)
{
    var spool = services.GetRequiredService<ISpool>();
    var transport = services.GetRequiredService<IQueueTransport>();
    var queues = services.GetRequiredService<IOptions<QueueingOptions>>().Value;

    var messageId = "m" + Guid.NewGuid().ToString("N");
    await using var writer = await spool.CreateAsync(messageId, default);
    await writer.Content.WriteAsync(Encoding.ASCII.GetBytes($"From: {mailFrom}\r\nTo: {recipient}\r\nSubject: cost\r\n\r\n" + new string('x', 4000) + "\r\n"));
    var size = await writer.CommitAsync(default);
    var envelope = new MessageEnvelope
    {
        MessageId = messageId,
        SpoolBlob = writer.SpoolBlob,
        MailFrom = mailFrom,
        Recipients = [new EnvelopeRecipient { Address = recipient }],
        ReceivedFrom = new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = "client.test" },
        ReceivedAt = DateTimeOffset.UtcNow,
        Size = size,
    };
    await transport.SendAsync(queues.InboundQueue, new OutgoingMessage(messageId, EnvelopeSerializer.Serialize(envelope)), null, default);
}

// Runs each stage on what its queue holds, in pipeline order. Returns the number of stage runs.
static async Task<int> DrainAsync(IServiceProvider services, IReadOnlyList<PipelineStage> stages)
{
    var transport = services.GetRequiredService<IQueueTransport>();
    var invoker = services.GetRequiredService<StageInvoker>();
    var runs = 0;
    foreach (var stage in stages)
    {
        foreach (var message in await transport.ReceiveAsync(invoker.QueueOf(stage), 1, TimeSpan.FromMinutes(1), default))
        {
            await invoker.InvokeAsync(stage, message.Body, message.DeliveryCount, new Settlement(transport, message), default);
            runs++;
        }
    }

    return runs;
}

static async Task<IHost> BuildHostAsync(AzuriteFixture azurite, StorageRequests counter, IReadOnlyDictionary<string, string?>? extraSettings = null)
{
    var settings = azurite.CreateIsolatedSettings("cost");
    settings["Directory:PasswordHashIterations"] = "1000";
    settings["Pipeline:SrsSecret"] = "cost-bench-secret-0123456789";
    foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
    {
        settings[key] = value;
    }

    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Configuration.AddInMemoryCollection(settings);
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddMailCloudCore(builder.Configuration);
    builder.Services.AddMailPipeline(builder.Configuration);
    var blobOptions = new BlobClientOptions();
    blobOptions.AddPolicy(counter.BlobsAndQueues, Azure.Core.HttpPipelinePosition.PerRetry);
    var queueOptions = new QueueClientOptions();
    queueOptions.AddPolicy(counter.BlobsAndQueues, Azure.Core.HttpPipelinePosition.PerRetry);
    var tableOptions = new TableClientOptions();
    tableOptions.AddPolicy(counter.Tables, Azure.Core.HttpPipelinePosition.PerRetry);
    builder.Services.AddSingleton(sp => new StorageClients(sp.GetRequiredService<IOptions<StorageOptions>>(), null, blobOptions, queueOptions, tableOptions));
    var host = builder.Build();
    await host.Services.GetRequiredService<StorageClients>().EnsureContainersAsync(default);
    var queues = host.Services.GetRequiredService<IOptions<QueueingOptions>>().Value;
    await host.Services.GetRequiredService<IQueueTransport>().EnsureQueuesAsync([queues.InboundQueue, queues.DeliverQueue, queues.RelayQueue], default);
    return host;
}

internal sealed class Settlement(IQueueTransport transport, ReceivedMessage message) : IStageSettlement
{
    public Task CompleteAsync(CancellationToken cancellationToken) => transport.CompleteAsync(message, cancellationToken);

    public Task DeadLetterAsync(string reason, CancellationToken cancellationToken) => transport.DeadLetterAsync(message, reason, cancellationToken);
}

/// <summary>Requests of the blob and queue clients, and of the table client, counted apart (their paths look alike).</summary>
internal sealed class StorageRequests
{
    public RequestCounter BlobsAndQueues { get; } = new();

    public RequestCounter Tables { get; } = new();

    public void Reset()
    {
        BlobsAndQueues.Reset();
        Tables.Reset();
    }
}

internal sealed record Counts(int BlobWrites, int BlobReads, int BlobLists, int TableRequests, int QueueOps, int StageRuns, IReadOnlyList<string> Requests)
{
    public static Counts From(StorageRequests counter, int stageRuns)
    {
        int writes = 0, reads = 0, lists = 0, queue = 0;
        var requests = new List<string>();
        foreach (var request in counter.BlobsAndQueues.Requests)
        {
            var (method, path) = (request[..request.IndexOf(' ')], request[(request.IndexOf(' ') + 1)..]);
            requests.Add((path.Contains("/messages", StringComparison.Ordinal) ? "queue " : "blob  ") + Shorten(request));
            if (path.Contains("/messages", StringComparison.Ordinal))
            {
                queue++;
            }
            else if (path.Contains("comp=list", StringComparison.Ordinal))
            {
                lists++;
            }
            else if (method is "PUT" or "POST" or "DELETE")
            {
                writes++;
            }
            else
            {
                reads++;
            }
        }

        requests.AddRange(counter.Tables.Requests.Select(r => "table " + Shorten(r)));
        return new Counts(writes, reads, lists, counter.Tables.Count, queue, stageRuns, requests);
    }

    public decimal CostPer1000 =>
        1000m * (BlobWrites * Prices.BlobWrite + BlobReads * Prices.BlobRead + BlobLists * Prices.BlobList
                 + TableRequests * Prices.TableTransaction + QueueOps * Prices.ServiceBusOperation + StageRuns * Prices.FunctionExecution);

    public string Row(string scenario) => string.Create(CultureInfo.InvariantCulture,
        $"| {scenario} | {BlobWrites} | {BlobReads} | {BlobLists} | {TableRequests} | {QueueOps} | {StageRuns} | {CostPer1000:0.00000} |");

    /// <summary>"METHOD path" without the account, the test's container prefix and the query's values.</summary>
    private static string Shorten(string request)
    {
        var query = request.IndexOf('?', StringComparison.Ordinal);
        var line = query < 0 ? request : request[..query] + "?" + string.Join('&', request[(query + 1)..].Split('&').Select(p => p.Split('=')[0]));
        return Uri.UnescapeDataString(line.Replace("devstoreaccount1/", "", StringComparison.Ordinal));
    }
}

/// <summary>List prices in USD (pay-as-you-go, East US, checked 2025; verify before quoting).</summary>
internal static class Prices
{
    public const decimal BlobWrite = 0.055m / 10_000;         // Hot LRS write operations, per 10,000
    public const decimal BlobList = 0.055m / 10_000;          // list and create-container operations, per 10,000
    public const decimal BlobRead = 0.0044m / 10_000;         // read and "all other" operations, per 10,000
    public const decimal TableTransaction = 0.00036m / 10_000; // Table Storage LRS transactions, per 10,000 (each request counted as one)
    public const decimal ServiceBusOperation = 0.80m / 1_000_000; // Standard tier, per million operations beyond the 13M included
    public const decimal FunctionExecution = 0.40m / 1_000_000 + 0.2m * 0.000026m; // Flex Consumption: per execution + 0.1 s at 2 GB

    public const string Assumptions =
        "Prices: Blob Hot LRS writes/lists $0.055 per 10k, reads $0.0044 per 10k; Table Storage LRS $0.00036 per 10k transactions " +
        "(each request counted as one, an entity group transaction included); Service Bus Standard $0.80 per million operations " +
        "(a local Storage Queue send/receive/delete is counted as one Service Bus operation each); Functions Flex Consumption $0.40 per " +
        "million executions plus 0.2 GB-s at $0.000026. Excludes the Service Bus base fee and storage capacity.";
}
