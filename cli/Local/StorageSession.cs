using MailCloud.Core;
using MailCloud.Core.Configuration;
using MailCloud.Core.Local;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailCloud.Cli.Local;

/// <summary>
/// Gives admin commands the storage they should act on, in this order: the configured account
/// (Storage__ConnectionString or Storage__BlobServiceUri, e.g. Azure); the Azurite of a running
/// <c>mailcloud dev</c> from this clone; or, when neither, the clone's persistent Azurite data,
/// started just for this command and stopped after it.
/// </summary>
public sealed class StorageSession : IAsyncDisposable
{
    private readonly AzuriteLauncher? _ownAzurite;

    private StorageSession(ServiceProvider services, AzuriteLauncher? ownAzurite, string description)
    {
        Services = services;
        _ownAzurite = ownAzurite;
        Description = description;
    }

    public IServiceProvider Services { get; }

    /// <summary>Which storage this is, for messages.</summary>
    public string Description { get; }

    /// <param name="configureServices">Services a command needs beyond the core ones, from the effective configuration.</param>
    public static async Task<StorageSession> OpenAsync(CancellationToken cancellationToken, Action<IServiceCollection, IConfiguration>? configureServices = null)
    {
        var configuration = CliConfiguration.Build();
        AzuriteLauncher? own = null;
        string description;
        var overrides = new Dictionary<string, string?>();
        if (IsConfigured(configuration))
        {
            description = configuration[$"{StorageOptions.SectionName}:BlobServiceUri"] ?? "the configured storage account";
        }
        else
        {
            var paths = LocalPaths.Discover();
            if (DevState.ReadIfRunning(paths) is { } dev)
            {
                overrides[$"{StorageOptions.SectionName}:ConnectionString"] = dev.StorageConnectionString;
                description = $"the running mailcloud dev (pid {dev.ProcessId})";
            }
            else
            {
                own = await AzuriteLauncher.StartAsync(paths.RepositoryRoot, paths.AzuriteData, null, null, cancellationToken).ConfigureAwait(false);
                overrides[$"{StorageOptions.SectionName}:ConnectionString"] = own.ConnectionString;
                description = $"local data in {paths.AzuriteData}";
            }
        }

        var services = new ServiceCollection();
        var effective = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(overrides).Build();
        services.AddSingleton<IConfiguration>(effective);
        services.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        services.AddMailCloudCore(effective);
        configureServices?.Invoke(services, effective);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var session = new StorageSession(provider, own, description);
        if (own is not null)
        {
            await provider.GetRequiredService<StorageClients>().EnsureContainersAsync(cancellationToken).ConfigureAwait(false);
        }

        return session;
    }

    /// <summary>Whether <paramref name="configuration"/> names a storage account (a connection string or a blob service URI).</summary>
    public static bool IsConfigured(IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        return storage.UsesConnectionString || storage.BlobServiceUri is not null;
    }

    public async ValueTask DisposeAsync()
    {
        await ((ServiceProvider)Services).DisposeAsync().ConfigureAwait(false);
        if (_ownAzurite is not null)
        {
            await _ownAzurite.DisposeAsync().ConfigureAwait(false);
        }
    }
}
