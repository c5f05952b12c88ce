using MailCloud.Core.Certificates.Acme;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Certificates;

/// <summary>
/// Runs <see cref="CertificateRenewer"/> every <see cref="AcmeOptions.CheckInterval"/> in a plain .NET
/// host (local mode); in Azure a timer function calls the renewer instead. Does nothing unless ACME is enabled.
/// </summary>
public sealed partial class CertificateRenewalService(
    IOptions<AcmeOptions> options,
    CertificateRenewer renewer,
    TimeProvider time,
    ILogger<CertificateRenewalService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await renewer.RenewIfDueAsync(force: false, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AcmeProblemException or AcmeOrderFailedException or AcmeProtocolException or CertificateStoreUnavailableException or HttpRequestException)
            {
                // The current certificate stays in use; the next check tries again.
                LogRenewalFailed(ex);
            }

            await Task.Delay(options.Value.CheckInterval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Certificate renewal failed; the next check tries again")]
    private partial void LogRenewalFailed(Exception exception);
}
