using MailCloud.Core.Directory.Passwords;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailCloud.Core.Directory;

public static class DirectoryServiceCollectionExtensions
{
    /// <summary>Registers the blob-backed <see cref="IMailDirectory"/>, password hashing and <see cref="DirectoryOptions"/> (section "Directory", validated at start).</summary>
    public static IServiceCollection AddMailDirectory(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DirectoryOptions>()
            .Bind(configuration.GetSection(DirectoryOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPasswordHasher, Pbkdf2PasswordHasher>();
        services.TryAddSingleton<VerifiedCredentialCache>();
        services.TryAddSingleton<IMailDirectory, BlobMailDirectory>();
        return services;
    }
}
