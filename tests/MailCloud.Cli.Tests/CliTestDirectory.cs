using MailCloud.Core.Configuration;
using MailCloud.Core.Directory;
using MailCloud.Core.Directory.Passwords;
using MailCloud.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailCloud.Cli.Tests;

/// <summary>The executable on isolated Azurite storage, and a directory reading the same storage to check what it wrote.</summary>
internal static class CliTestDirectory
{
    public static async Task<(MailCloudProcess Cli, IMailDirectory Directory, StorageClients Storage)> CreateAsync(AzuriteFixture azurite)
    {
        var options = azurite.CreateStorageOptions();
        var storage = new StorageClients(Options.Create(options));
        await storage.EnsureContainersAsync(CancellationToken.None);
        // The test reads what the CLI process just wrote: it must not answer from a cached snapshot.
        var directoryOptions = Options.Create(new DirectoryOptions { PasswordHashIterations = 1_000, CacheRevalidationInterval = TimeSpan.Zero });
        var directory = new BlobMailDirectory(
            storage,
            new Pbkdf2PasswordHasher(directoryOptions),
            new VerifiedCredentialCache(directoryOptions, TimeProvider.System),
            directoryOptions,
            TimeProvider.System,
            NullLogger<BlobMailDirectory>.Instance);
        return (new MailCloudProcess(options), directory, storage);
    }
}
