using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Pop3.Protocol;
using MailCloud.Gateway.Pop3.Session;
using MailCloud.Gateway.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Pop3;

/// <summary>Runs a <see cref="Pop3Session"/> for every connection on a POP3 listener.</summary>
internal sealed class Pop3SessionHandler(
    IMailboxStore store,
    UserAuthenticator authenticator,
    IOptions<Pop3Options> options,
    IOptions<GatewayOptions> gatewayOptions,
    ILogger<Pop3SessionHandler> logger) : IProtocolSessionHandler
{
    private readonly Pop3Services _services = new(store, authenticator, options.Value, gatewayOptions.Value);

    public MailProtocol Protocol => MailProtocol.Pop3;

    public Task RunAsync(IProtocolConnection connection, CancellationToken stopping) =>
        new Pop3Session(connection, _services, logger).RunAsync(stopping);

    public async Task RejectAsync(IProtocolConnection connection, ConnectionRefusal refusal, CancellationToken cancellationToken)
    {
        Pop3Reply.Error(connection.Output, refusal == ConnectionRefusal.TooManyFromClient ? "Too many connections from your address" : "Too many connections", Pop3ResponseCode.SysTemp);
        await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
