using System.Globalization;
using System.Security.Cryptography;
using MailCloud.Core.Directory;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Functions.Tests.Support;

/// <summary>Pipeline hosts set up for relay tests: MX lookups through the test DNS server, a remote MTA's port, DKIM for example.test.</summary>
public static class RelayTestHosts
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public const string Sender = "sender@example.test";

    public static async Task<PipelineTestHost> CreateAsync(
        AzuriteFixture azurite,
        DnsServer dns,
        int mxPort,
        RSA dkimKey,
        IDictionary<string, string?>? extra = null,
        Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Relay:DnsServers:0"] = dns.Endpoint,
            ["Relay:MxPort"] = mxPort.ToString(CultureInfo.InvariantCulture),
            ["Dkim:Keys:0:Domain"] = "example.test",
            ["Dkim:Keys:0:Selector"] = "s1",
            ["Dkim:Keys:0:PrivateKeyPem"] = dkimKey.ExportRSAPrivateKeyPem(),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return await PipelineTestHost.CreateAsync(azurite, settings, services);
    }

    /// <summary>The local account the relayed mail comes from, which receives its DSNs.</summary>
    public static async Task<Account> SenderAsync(PipelineTestHost host)
    {
        await host.Directory.AddDomainAsync("example.test", default);
        return await host.Directory.AddAccountAsync(Sender, "pw-sender-1234", null, null, default);
    }

    /// <summary>Waits (a generous deadline, not a timing assertion) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitForAsync(Func<bool> condition, string what = "The remote MTA did not receive the message.")
    {
        var until = DateTimeOffset.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTimeOffset.UtcNow > until)
            {
                throw new TimeoutException(what);
            }

            await Task.Delay(50);
        }
    }
}
