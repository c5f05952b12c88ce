using System.Text;
using MailCloud.Core;
using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using MailCloud.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Functions.Tests.Support;

/// <summary>
/// The pipeline under a plain .NET host, as <c>mailcloud dev</c> runs it: real Azurite (fresh
/// containers and queues per test), the local stage runners, and helpers that put mail in the
/// way the gateway does (spool blob, then an "inbound" envelope) and read mailboxes back.
/// </summary>
public sealed class PipelineTestHost : IAsyncDisposable
{
    public const string HostName = "mx.mailcloud.test";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly IHost _host;
    private bool _started;

    private PipelineTestHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;
    public IMailDirectory Directory => Services.GetRequiredService<IMailDirectory>();
    public IMailboxStore Mailboxes => Services.GetRequiredService<IMailboxStore>();
    public ISpool Spool => Services.GetRequiredService<ISpool>();
    public IQueueTransport Transport => Services.GetRequiredService<IQueueTransport>();
    public QueueingOptions Queues => Services.GetRequiredService<IOptions<QueueingOptions>>().Value;

    /// <summary>Builds the host; call <see cref="StartAsync"/> after setting up the directory.</summary>
    public static async Task<PipelineTestHost> CreateAsync(
        AzuriteFixture azurite,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var configuration = azurite.CreateIsolatedSettings();
        configuration["Queueing:MaxDeliveryCount"] = "5";
        configuration["Directory:PasswordHashIterations"] = "1000";
        configuration["Directory:CacheRevalidationInterval"] = "00:00:00";
        configuration["Pipeline:HostName"] = HostName;
        configuration["Pipeline:SrsSecret"] = "test-srs-secret-0123456789";
        configuration["Pipeline:RunnerPollInterval"] = "00:00:00.050";
        configuration["Pipeline:ExceptionRetryDelay"] = "00:00:00.100";
        configuration["Relay:RetrySchedule:0"] = "00:00:00.200";
        configuration["Relay:SmtpTimeout"] = "00:00:10";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMailCloudCore(builder.Configuration);
        builder.Services.AddMailPipeline(builder.Configuration);
        builder.Services.AddLocalPipelineRunner();
        services?.Invoke(builder.Services);
        var host = builder.Build();

        await host.Services.GetRequiredService<StorageClients>().EnsureContainersAsync(CancellationToken.None);
        var queues = host.Services.GetRequiredService<IOptions<QueueingOptions>>().Value;
        await host.Services.GetRequiredService<IQueueTransport>().EnsureQueuesAsync([queues.InboundQueue, queues.DeliverQueue, queues.RelayQueue], CancellationToken.None);
        return new PipelineTestHost(host);
    }

    public async Task StartAsync()
    {
        await _host.StartAsync();
        _started = true;
    }

    /// <summary>Accepts a message as the gateway does: spool blob first, then the "inbound" envelope.</summary>
    /// <param name="authenticatedUser">Set for mail a user submitted after AUTH; null for mail that came in on the MX.</param>
    /// <param name="authentication">The arrival verdicts the gateway would have put in the envelope.</param>
    public async Task<MessageEnvelope> SubmitAsync(
        string mailFrom,
        IReadOnlyList<string> recipients,
        MimeMessage message,
        DsnReturn? ret = null,
        DateTimeOffset? receivedAt = null,
        string? authenticatedUser = null,
        EnvelopeAuthentication? authentication = null)
    {
        var messageId = "m" + Guid.NewGuid().ToString("N");
        var raw = new MemoryStream();
        await message.WriteToAsync(raw);
        var envelope = await SubmitRawAsync(messageId, mailFrom, recipients, raw.ToArray(), ret, receivedAt, authenticatedUser, authentication);
        return envelope;
    }

    /// <param name="receivedAt">When we accepted it; by default the host's clock now. Older is what a replay carries.</param>
    public async Task<MessageEnvelope> SubmitRawAsync(
        string messageId,
        string mailFrom,
        IReadOnlyList<string> recipients,
        byte[] raw,
        DsnReturn? ret = null,
        DateTimeOffset? receivedAt = null,
        string? authenticatedUser = null,
        EnvelopeAuthentication? authentication = null)
    {
        string spoolBlob;
        long size;
        await using (var writer = await Spool.CreateAsync(messageId, CancellationToken.None))
        {
            var received = Encoding.ASCII.GetBytes($"Received: from client.test ([127.0.0.1]) by {HostName} with ESMTP id {messageId}; {DateTimeOffset.UtcNow:R}\r\n");
            await writer.Content.WriteAsync(received);
            await writer.Content.WriteAsync(raw);
            size = await writer.CommitAsync(CancellationToken.None);
            spoolBlob = writer.SpoolBlob;
        }

        var envelope = new MessageEnvelope
        {
            MessageId = messageId,
            SpoolBlob = spoolBlob,
            MailFrom = mailFrom,
            Recipients = [.. recipients.Select(r => new EnvelopeRecipient { Address = r })],
            ReceivedFrom = authenticatedUser is null
                ? new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = "client.test", Listener = "mx" }
                : new ReceivedFrom { RemoteIp = "127.0.0.1", Helo = "client.test", Listener = "submission", AuthenticatedUser = authenticatedUser },
            ReceivedAt = receivedAt ?? Services.GetRequiredService<TimeProvider>().GetUtcNow(),
            Size = size,
            Return = ret,
            Authentication = authentication,
        };
        await Transport.SendAsync(Queues.InboundQueue, new OutgoingMessage(messageId, EnvelopeSerializer.Serialize(envelope)), null, CancellationToken.None);
        return envelope;
    }

    /// <summary>Waits (up to a generous deadline, not a timing assertion) until the INBOX holds at least <paramref name="count"/> messages.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForInboxAsync(string accountId, int count = 1)
    {
        var until = DateTimeOffset.UtcNow + Deadline;
        while (true)
        {
            var messages = await ReadInboxAsync(accountId);
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTimeOffset.UtcNow > until)
            {
                throw new TimeoutException($"INBOX of {accountId} has {messages.Count} messages, expected {count}.");
            }

            await Task.Delay(50);
        }
    }

    public async Task<IReadOnlyList<MimeMessage>> ReadInboxAsync(string accountId)
    {
        var snapshot = await Mailboxes.GetSnapshotAsync(accountId, "INBOX", CancellationToken.None);
        var messages = new List<MimeMessage>();
        foreach (var summary in snapshot.Messages)
        {
            await using var stream = await Mailboxes.OpenMessageAsync(accountId, "INBOX", summary.Uid);
            messages.Add(await MimeMessage.LoadAsync(stream));
        }

        return messages;
    }

    /// <summary>Waits until no stage queue holds a message (in flight ones included): the pipeline has settled.</summary>
    public async Task WaitForIdleAsync()
    {
        var until = DateTimeOffset.UtcNow + Deadline;
        var quietRounds = 0;
        while (quietRounds < 3)
        {
            var depths = new List<QueueDepth>();
            foreach (var queue in new[] { Queues.InboundQueue, Queues.DeliverQueue, Queues.RelayQueue })
            {
                depths.Add(await Transport.GetDepthAsync(queue, CancellationToken.None));
            }

            quietRounds = depths.Any(d => d.Active > 0) ? 0 : quietRounds + 1;
            if (DateTimeOffset.UtcNow > until)
            {
                throw new TimeoutException($"The pipeline queues did not drain: {string.Join(", ", depths.Select(d => $"{d.QueueName} {d.Active}"))}.");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A host whose start failed (options refused) has nothing to stop.
        if (_started)
        {
            await _host.StopAsync();
        }

        _host.Dispose();
    }

    public static MimeMessage NewMessage(string from, string to, string subject, string body = "Hello.")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = $"{Guid.NewGuid():N}@client.test";
        message.Date = DateTimeOffset.UtcNow;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }
}
