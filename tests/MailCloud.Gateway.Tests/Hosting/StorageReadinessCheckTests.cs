using System.Net;
using System.Net.Sockets;
using System.Text;
using MailCloud.Core.Configuration;
using MailCloud.Core.Queueing;
using MailCloud.Core.Queueing.ServiceBus;
using MailCloud.Gateway.Hosting;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Tests.Hosting;

/// <summary>/readyz asks only what the gateway's identity may ask: blob reads and, on Service Bus, a send link.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageReadinessCheckTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Storage_queues_ready_while_spool_and_inbound_queue_exist()
    {
        var storage = await azurite.CreateStorageAsync();
        var queueing = new QueueingOptions { Transport = QueueTransportKind.StorageQueues, InboundQueue = $"inbound{Guid.NewGuid():N}"[..20] };
        var check = new StorageReadinessCheck(storage, new ServiceCollection().BuildServiceProvider(), Options.Create(queueing));

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        await storage.Queues.GetQueueClient(queueing.InboundQueue).CreateAsync();
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        await storage.Spool.DeleteAsync();
        var missingSpool = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, missingSpool.Status);
        Assert.Contains(storage.Spool.Name, missingSpool.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_bus_readiness_opens_an_amqp_send_link_and_never_asks_the_management_endpoint()
    {
        // Reading queue runtime properties goes over HTTP to the management endpoint and needs Manage; the gateway
        // only has Data Sender. A stand-in namespace on loopback records what the check says first, then hangs up.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var firstBytes = RecordFirstBytesAsync(listener);

        var storage = await azurite.CreateStorageAsync();
        var queueing = new QueueingOptions
        {
            Transport = QueueTransportKind.ServiceBus,
            ServiceBusConnectionString = $"Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName=sender;SharedAccessKey=not-a-real-key;UseDevelopmentEmulator=true",
        };
        await using var services = new ServiceCollection()
            .AddSingleton(Options.Create(queueing))
            .AddSingleton<ServiceBusClients>()
            .BuildServiceProvider();
        var check = new StorageReadinessCheck(storage, services, Options.Create(queueing));

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        // A bound on the wait, not a timing: a check that never dials the namespace fails here instead of hanging.
        Assert.Equal("AMQP", await firstBytes.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }

    private static async Task<string> RecordFirstBytesAsync(TcpListener listener)
    {
        // AMQP 1.0 §2.2 (OASIS): a peer opens with the 8-byte protocol header, "AMQP" 3 1 0 0 for the SASL layer.
        using var client = await listener.AcceptTcpClientAsync();
        // Refuse the client's reconnects, so its retries end quickly.
        listener.Stop();
        var buffer = new byte[4];
        await client.GetStream().ReadExactlyAsync(buffer);
        return Encoding.ASCII.GetString(buffer);
    }
}
