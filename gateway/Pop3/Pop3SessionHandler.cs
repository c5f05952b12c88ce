using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Pop3.Protocol;
using MailCloud.Gateway.Pop3.Session;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.Pop3;

/// <summary>Runs a <see cref="Pop3Session"/> for every connection on a POP3 listener.</summary>
internal sealed class Pop3SessionHandler(Pop3Services services, ILogger<Pop3Session> logger) : IProtocolSessionHandler
{
    public MailProtocol Protocol => MailProtocol.Pop3;

    public Task RunAsync(IProtocolConnection connection, CancellationToken stopping) =>
        new Pop3Session(connection, services, logger).RunAsync(stopping);

    /// <summary>RFC 1939 §3 and RFC 3206 §4: a server that will not serve answers -ERR [SYS/TEMP].</summary>
    public async Task RejectAsync(IProtocolConnection connection, ConnectionRefusal refusal, CancellationToken cancellationToken)
    {
        Pop3Reply.Error(connection.Output, refusal == ConnectionRefusal.TooManyFromClient ? "Too many connections from your address" : "Too many connections", Pop3ResponseCode.SysTemp);
        await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
