using Azure.Core;
using Azure.Identity;
using MailCloud.Core.Certificates.Storage;
using MailCloud.Core.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Certificates;

public static class CertificatesServiceCollectionExtensions
{
    /// <summary>
    /// The certificate store (blob or Key Vault, by <see cref="CertificateStoreOptions"/>), the HTTP-01
    /// challenge store and its responder: what both the renewal and the HTTP endpoint need.
    /// </summary>
    public static IServiceCollection AddCertificateStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CertificateStoreOptions>()
            .Bind(configuration.GetSection(CertificateStoreOptions.SectionName))
            .Validate(o => o.Store != CertificateStoreKind.KeyVault || o.KeyVaultUri is { IsAbsoluteUri: true, Scheme: "https" },
                "Certificates:KeyVaultUri must be an https URL when Certificates:Store is KeyVault.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Container), "Certificates:Container must be set.")
            .ValidateOnStart();

        services.TryAddSingleton<ICertificateStore>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<CertificateStoreOptions>>().Value;
            return options.Store == CertificateStoreKind.KeyVault
                ? new KeyVaultCertificateStore(options.KeyVaultUri!, provider.GetService<TokenCredential>() ?? new DefaultAzureCredential())
                : new BlobCertificateStore(AcmeContainer(provider));
        });
        services.TryAddSingleton<IAcmeChallengeStore>(provider => new BlobAcmeChallengeStore(AcmeContainer(provider)));
        services.TryAddSingleton<AcmeChallengeResponder>();
        return services;
    }

    /// <summary>The ACME client and its renewer, with <see cref="AcmeOptions"/> validated at start.</summary>
    public static IServiceCollection AddAcmeRenewal(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCertificateStore(configuration);
        services.AddOptions<AcmeOptions>()
            .Bind(configuration.GetSection(AcmeOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AcmeOptions>, AcmeOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AcmeHttpClient>();
        services.TryAddSingleton<CertificateRenewer>();
        return services;
    }

    private static Azure.Storage.Blobs.BlobContainerClient AcmeContainer(IServiceProvider provider) =>
        provider.GetRequiredService<StorageClients>().Blobs.GetBlobContainerClient(
            provider.GetRequiredService<IOptions<CertificateStoreOptions>>().Value.Container);
}
