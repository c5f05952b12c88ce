using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap.Commands;
using MailCloud.Gateway.Imap.Session;
using MailCloud.Gateway.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Imap;

/// <summary>Runs an <see cref="ImapSession"/> for every connection on an IMAP listener.</summary>
internal sealed class ImapSessionHandler : IProtocolSessionHandler
{
    private readonly ImapServices _services;
    private readonly ImapCommandTable _commands = new();
    private readonly ILogger<ImapSession> _logger;

    public ImapSessionHandler(
        IMailboxStore store,
        UserAuthenticator authenticator,
        FolderWatcherRegistry watchers,
        MessageHeaderCache headers,
        BodyStructureCache bodyStructures,
        IOptions<ImapOptions> options,
        IOptions<GatewayOptions> gatewayOptions,
        ServerCertificate certificate,
        TimeProvider time,
        ILogger<ImapSession> logger)
    {
        _services = new ImapServices(store, authenticator, watchers, headers, bodyStructures, options.Value, gatewayOptions.Value, certificate, time);
        _logger = logger;
    }

    public MailProtocol Protocol => MailProtocol.Imap;

    public Task RunAsync(IProtocolConnection connection, CancellationToken stopping) =>
        new ImapSession(connection, _services, _commands, _logger).RunAsync(stopping);

    /// <summary>RFC 9051 §7.1.5: a server that will not serve greets with BYE.</summary>
    public async Task RejectAsync(IProtocolConnection connection, ConnectionRefusal refusal, CancellationToken cancellationToken)
    {
        var text = refusal == ConnectionRefusal.TooManyFromClient
            ? "* BYE [UNAVAILABLE] Too many connections from your address\r\n"
            : "* BYE [UNAVAILABLE] Too many connections\r\n";
        await connection.Output.WriteAsync(System.Text.Encoding.ASCII.GetBytes(text), cancellationToken).ConfigureAwait(false);
    }
}
