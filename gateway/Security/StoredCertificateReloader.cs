using System.Security.Cryptography;
using MailCloud.Core.Certificates;
using MailCloud.Gateway.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Security;

/// <summary>
/// Keeps <see cref="ServerCertificate"/> on the stored certificate named by
/// <see cref="TlsCertificateOptions.StoredName"/>: checks the stored version every
/// <see cref="TlsCertificateOptions.ReloadInterval"/> and installs a new one when it changed (the ACME
/// renewal wrote it), so a renewed certificate takes effect without a restart. A failed check keeps the
/// certificate in use and tries again next time.
/// </summary>
internal sealed partial class StoredCertificateReloader(
    IOptions<GatewayOptions> options,
    ICertificateStore store,
    ServerCertificate certificate,
    TimeProvider time,
    ILogger<StoredCertificateReloader> logger) : BackgroundService
{
    private string? _installedVersion;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tls = options.Value.Tls;
        if (string.IsNullOrWhiteSpace(tls.StoredName))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReloadIfChangedAsync(tls.StoredName, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CertificateStoreUnavailableException or CryptographicException)
            {
                LogReloadFailed(tls.StoredName, ex);
            }

            await Task.Delay(tls.ReloadInterval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task ReloadIfChangedAsync(string name, CancellationToken cancellationToken)
    {
        var version = await store.GetCertificateVersionAsync(name, cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            if (_installedVersion is null)
            {
                LogNotStoredYet(name);
            }

            return;
        }

        if (version == _installedVersion)
        {
            return;
        }

        var stored = await store.GetCertificateAsync(name, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return;
        }

        // Not disposed: the installed certificate lives on in ServerCertificate.
        certificate.Install(stored.Leaf, stored.Intermediates);
        _installedVersion = stored.Version;
        LogInstalled(name, stored.Leaf.Thumbprint, stored.Leaf.NotAfter.ToUniversalTime());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS certificate '{Name}' installed: {Thumbprint}, valid until {NotAfter:u}")]
    private partial void LogInstalled(string name, string thumbprint, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS certificate '{Name}' is not in the certificate store yet; serving the configured or a self-signed certificate")]
    private partial void LogNotStoredYet(string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS certificate '{Name}' could not be reloaded; keeping the current one")]
    private partial void LogReloadFailed(string name, Exception exception);
}
