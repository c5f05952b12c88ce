using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>A real gateway with IMAP on a free port, one account, and direct access to its mailbox store.</summary>
internal sealed class ImapTestServer : IAsyncDisposable
{
    public const string User = "alice@example.test";
    public const string Password = "correct horse";

    private ImapTestServer(GatewayTestHost host, string accountId)
    {
        Host = host;
        AccountId = accountId;
    }

    public GatewayTestHost Host { get; }

    public string AccountId { get; }

    public int Port => Host.Port(ListenerNames.Imap);

    /// <summary>The store the gateway uses.</summary>
    public IMailboxStore Store => Host.Services.GetRequiredService<IMailboxStore>();

    /// <summary>
    /// Starts the gateway; <paramref name="quotaBytes"/> and <paramref name="quotaMessages"/> limit the account,
    /// <paramref name="configureServices"/> adds to the host's services.
    /// </summary>
    public static async Task<ImapTestServer> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? settings = null, long? quotaBytes = null, Action<IServiceCollection>? configureServices = null, long? quotaMessages = null)
    {
        var values = new Dictionary<string, string?> { ["Imap:ChangePollInterval"] = "00:00:00.250" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var host = await GatewayTestHost.StartAsync(azurite, configureServices: s =>
        {
            s.AddImap();
            configureServices?.Invoke(s);
        }, settings: values);
        var directory = host.Services.GetRequiredService<IMailDirectory>();
        await directory.AddDomainAsync(GatewayTestHost.Domain, CancellationToken.None);
        await directory.AddAccountAsync(User, Password, displayName: null, quotaBytes, CancellationToken.None);
        if (quotaMessages is not null)
        {
            await directory.SetLimitsAsync(User, l => l with { QuotaMessages = quotaMessages }, CancellationToken.None);
        }
        var account = await host.Services.GetRequiredService<IMailDirectory>().AuthenticateAsync(User, Password, CancellationToken.None)
            ?? throw new InvalidOperationException("Seeded account does not authenticate.");
        await host.Services.GetRequiredService<IMailboxStore>().ListFoldersAsync(account.Id, CancellationToken.None);
        return new ImapTestServer(host, account.Id);
    }

    /// <summary>A second store instance on the same storage, as the delivery pipeline in another process would have.</summary>
    public IMailboxStore CreateOtherStore() =>
        new TableMailboxStore(Host.Services.GetRequiredService<StorageClients>(), Options.Create(new MailboxStoreOptions()), TimeProvider.System, NullLogger<TableMailboxStore>.Instance);

    public async Task<uint> AppendAsync(string message, string folder = "INBOX", SystemFlags flags = SystemFlags.None)
    {
        await using var content = TestMessages.Stream(message);
        var result = await Store.AppendAsync(AccountId, folder, content, new MessageFlags(flags, new HashSet<string>()), new DateTimeOffset(2026, 3, 11, 10, 0, 0, TimeSpan.Zero), null, CancellationToken.None);
        return result.Uid;
    }

    /// <summary>Every blob of the mailbox container: what APPEND and COPY uploaded and a refused change must not leave behind.</summary>
    public async Task<List<string>> MessageBlobNamesAsync()
    {
        var names = new List<string>();
        await foreach (var blob in Host.Services.GetRequiredService<StorageClients>().Mailboxes.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        return names;
    }

    public async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(User, Password);
        return client;
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
