using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap.Commands;
using MailCloud.Gateway.Imap.Session;
using Microsoft.Extensions.Logging;

namespace MailCloud.Gateway.Imap;

/// <summary>Runs an <see cref="ImapSession"/> for every connection on an IMAP listener.</summary>
internal sealed class ImapSessionHandler(ImapServices services, ILogger<ImapSession> logger) : IProtocolSessionHandler
{
    private readonly ImapCommandTable _commands = new();

    public MailProtocol Protocol => MailProtocol.Imap;

    public Task RunAsync(IProtocolConnection connection, CancellationToken stopping) =>
        new ImapSession(connection, services, _commands, logger).RunAsync(stopping);

    /// <summary>RFC 9051 §7.1.5: a server that will not serve greets with BYE.</summary>
    public async Task RejectAsync(IProtocolConnection connection, ConnectionRefusal refusal, CancellationToken cancellationToken)
    {
        var text = refusal == ConnectionRefusal.TooManyFromClient
            ? "* BYE [UNAVAILABLE] Too many connections from your address\r\n"
            : "* BYE [UNAVAILABLE] Too many connections\r\n";
        await connection.Output.WriteAsync(System.Text.Encoding.ASCII.GetBytes(text), cancellationToken).ConfigureAwait(false);
    }
}
