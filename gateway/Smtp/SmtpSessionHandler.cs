using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp.Protocol;
using MailCloud.Gateway.Smtp.Session;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.Smtp;

/// <summary>Runs an <see cref="SmtpSession"/> for every connection on an SMTP listener.</summary>
internal sealed class SmtpSessionHandler(SmtpServices services, ILogger<SmtpSession> logger) : IProtocolSessionHandler
{
    public MailProtocol Protocol => MailProtocol.Smtp;

    public Task RunAsync(IProtocolConnection connection, CancellationToken stopping) =>
        new SmtpSession(connection, services, logger, stopping).RunAsync();

    /// <summary>RFC 5321 §3.1: a server that cannot serve may greet with 421 and close.</summary>
    public async Task RejectAsync(IProtocolConnection connection, ConnectionRefusal refusal, CancellationToken cancellationToken)
    {
        var text = refusal == ConnectionRefusal.TooManyFromClient
            ? "Too many connections from your address; try again later"
            : "Too many connections; try again later";
        new SmtpReply(421, "4.7.0", text).WriteTo(connection.Output);
        await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
