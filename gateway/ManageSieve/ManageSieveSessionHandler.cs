using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.ManageSieve.Protocol;
using MailCloud.Gateway.ManageSieve.Session;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.ManageSieve;

/// <summary>Runs a <see cref="ManageSieveSession"/> for every connection on a ManageSieve listener.</summary>
internal sealed class ManageSieveSessionHandler(ManageSieveServices services, ILogger<ManageSieveSession> logger) : IProtocolSessionHandler
{
    public MailProtocol Protocol => MailProtocol.ManageSieve;

    public Task RunAsync(IProtocolConnection connection, CancellationToken stopping) =>
        new ManageSieveSession(connection, services, logger).RunAsync(stopping);

    /// <summary>RFC 5804 §1.3: a server that will not serve says BYE (TRYLATER).</summary>
    public async Task RejectAsync(IProtocolConnection connection, ConnectionRefusal refusal, CancellationToken cancellationToken)
    {
        ManageSieveResponse.Bye(connection.Output, refusal == ConnectionRefusal.TooManyFromClient ? "Too many connections from your address" : "Too many connections", ManageSieveResponseCode.TryLater);
        await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
