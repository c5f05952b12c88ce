using System.Net;
using System.Security.Cryptography.X509Certificates;
using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using MailCloud.Core.Queueing;
using MailCloud.Core.Spool;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Security;
using MailCloud.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Tests.Support;

/// <summary>
/// A real gateway on 127.0.0.1: every default listener on a free port, a self-signed certificate,
/// the core services on fresh containers and queues of the test Azurite. Protocols beyond SMTP
/// come in through <c>configureServices</c> (e.g. <c>s =&gt; s.AddImap()</c>).
/// </summary>
public sealed class GatewayTestHost : IAsyncDisposable
{
    public const string HostName = "mx.example.test";
    public const string Domain = "example.test";

    private readonly WebApplication _app;
    private readonly string _certificatePath;

    private GatewayTestHost(WebApplication app, string certificatePath, X509Certificate2 certificate)
    {
        _app = app;
        _certificatePath = certificatePath;
        Certificate = certificate;
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>The gateway's self-signed certificate (SAN: mx.example.test, localhost, 127.0.0.1).</summary>
    public X509Certificate2 Certificate { get; }

    public string InboundQueue => Services.GetRequiredService<IOptions<QueueingOptions>>().Value.InboundQueue;

    public StorageClients Storage => Services.GetRequiredService<StorageClients>();

    /// <summary>The port a listener took (names from <see cref="ListenerNames"/>; "health" for HTTP).</summary>
    public int Port(string listenerName) => Services.GetRequiredService<BoundListeners>().EndPoint(listenerName).Port;

    public static async Task<GatewayTestHost> StartAsync(
        AzuriteFixture azurite,
        Action<GatewayOptions>? configure = null,
        Action<IServiceCollection>? configureServices = null,
        IDictionary<string, string?>? settings = null)
    {
        // The health port is found free and bound a moment later: a test in another process may take it in between.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(azurite, configure, configureServices, settings);
            }
            catch (IOException e) when (attempt < 3 && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }

    /// <summary>A gateway whose storage clients pass through <paramref name="outage"/>, which hits only its directory container.</summary>
    public static Task<GatewayTestHost> StartWithDirectoryOutageAsync(
        AzuriteFixture azurite,
        StorageOutage outage,
        Action<IServiceCollection>? configureServices = null,
        IDictionary<string, string?>? settings = null) =>
        StartAsync(azurite, configureServices: s =>
        {
            configureServices?.Invoke(s);
            s.AddSingleton(sp =>
            {
                var storage = sp.GetRequiredService<IOptions<StorageOptions>>();
                outage.Include(storage.Value.DirectoryContainer);
                return new StorageClients(storage, blobOptions: outage.BlobClientOptions());
            });
        }, settings: settings);

    /// <summary>
    /// A gateway with IMAP and the whole delivery pipeline in process (the local runner), for end-to-end tests:
    /// mail accepted over SMTP is routed and delivered, then read over IMAP. <paramref name="settings"/> add to the pipeline's own.
    /// </summary>
    public static Task<GatewayTestHost> StartWithPipelineAsync(AzuriteFixture azurite, IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Pipeline:SrsSecret"] = "end-to-end-test-secret-0123456789",
            ["Pipeline:RunnerPollInterval"] = "00:00:00.200",
            ["Directory:PasswordHashIterations"] = "1000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var pipelineConfiguration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return StartAsync(azurite, settings: values, configureServices: services =>
        {
            services.AddImap();
            services.AddMailPipeline(pipelineConfiguration);
            services.AddLocalPipelineRunner();
        });
    }

    private static async Task<GatewayTestHost> StartOnceAsync(
        AzuriteFixture azurite,
        Action<GatewayOptions>? configure,
        Action<IServiceCollection>? configureServices,
        IDictionary<string, string?>? settings)
    {
        var values = azurite.CreateIsolatedSettings();
        values["Logging:LogLevel:Default"] = "Warning";
        // The MX greets at once unless a test sets a delay (the early-talker tests do).
        values["Smtp:GreetingDelay"] = "00:00:00";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var certificate = SelfSignedCertificate.Create(HostName);
        var certificatePath = Path.Combine(Path.GetTempPath(), $"mailcloud-test-{Guid.NewGuid():N}.pfx");
        SelfSignedCertificate.SavePfx(certificate, certificatePath);
        var healthPort = FreePorts.Next();

        var app = GatewayApplication.Build(configuration, DefaultListeners.Dev, services =>
        {
            services.PostConfigure<GatewayOptions>(options =>
            {
                options.HostName = HostName;
                options.Listeners = [.. DefaultListeners.Copy(DefaultListeners.Dev).Select(l => { l.Port = 0; return l; })];
                options.Tls.CertificatePath = certificatePath;
                options.HealthAddress = IPAddress.Loopback.ToString();
                options.HealthPort = healthPort;
                configure?.Invoke(options);
            });
            configureServices?.Invoke(services);
        });

        var host = new GatewayTestHost(app, certificatePath, certificate);
        try
        {
            await host.Storage.EnsureContainersAsync(CancellationToken.None);
            var queueing = host.Services.GetRequiredService<IOptions<QueueingOptions>>().Value;
            await host.Services.GetRequiredService<IQueueTransport>().EnsureQueuesAsync([queueing.InboundQueue, queueing.DeliverQueue, queueing.RelayQueue], CancellationToken.None);
            await app.StartAsync();
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>Hosts <see cref="Domain"/> with the given accounts (address, password).</summary>
    public async Task SeedDirectoryAsync(params (string Address, string Password)[] accounts)
    {
        var directory = Services.GetRequiredService<IMailDirectory>();
        await directory.AddDomainAsync(Domain, CancellationToken.None);
        foreach (var (address, password) in accounts)
        {
            await directory.AddAccountAsync(address, password, displayName: null, quotaBytes: null, CancellationToken.None);
        }
    }

    /// <summary>Takes every envelope waiting on the inbound queue.</summary>
    public async Task<IReadOnlyList<MessageEnvelope>> ReceiveInboundAsync()
    {
        var queue = Services.GetRequiredService<IQueueTransport>();
        var messages = await queue.ReceiveAsync(InboundQueue, 32, TimeSpan.FromMinutes(5), CancellationToken.None);
        return [.. messages.Select(m => EnvelopeSerializer.Deserialize(m.Body))];
    }

    public async Task<string> ReadSpoolAsync(string spoolBlob)
    {
        await using var stream = await Services.GetRequiredService<ISpool>().OpenReadAsync(spoolBlob, CancellationToken.None);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Committed spool blobs (an abandoned upload never shows here).</summary>
    public async Task<int> CountSpoolBlobsAsync()
    {
        var count = 0;
        await foreach (var _ in Storage.Spool.GetBlobsAsync())
        {
            count++;
        }

        return count;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
        File.Delete(_certificatePath);
    }

}
