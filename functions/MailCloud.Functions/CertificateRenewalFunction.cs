using MailCloud.Core.Certificates;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace MailCloud.Functions;

/// <summary>
/// Twice a day (03:41 and 15:41 UTC): renews the mail host's certificate by ACME when less than a third
/// of its lifetime remains (<see cref="RenewalPolicy"/>). The CA's HTTP-01 request reaches the gateway's
/// HTTP port, which reads the answer this function put in storage. Does nothing unless Acme:Enabled.
/// A failure throws, so it shows in the function's failures; the next run tries again.
/// </summary>
public sealed class CertificateRenewalFunction(IOptions<AcmeOptions> options, CertificateRenewer renewer)
{
    [Function("CertificateRenewal")]
    public async Task Run([TimerTrigger("0 41 3,15 * * *", RunOnStartup = false)] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
        {
            await renewer.RenewIfDueAsync(force: false, cancellationToken).ConfigureAwait(false);
        }
    }
}
