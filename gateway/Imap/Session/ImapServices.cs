using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Security;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// What every IMAP session shares (one instance, from DI, as for SMTP and POP3): storage, the user
/// authenticator, the mailbox locator, folder watchers, the header and body-structure caches, options, the certificate and the clock.
/// </summary>
internal sealed class ImapServices(
    IMailboxStore store,
    UserAuthenticator authenticator,
    MailboxLocator locator,
    FolderWatcherRegistry watchers,
    MessageHeaderCache headers,
    BodyStructureCache bodyStructures,
    IOptions<ImapOptions> options,
    IOptions<GatewayOptions> gatewayOptions,
    ServerCertificate certificate,
    TimeProvider time)
{
    public IMailboxStore Store { get; } = store;
    public UserAuthenticator Authenticator { get; } = authenticator;
    public MailboxLocator Locator { get; } = locator;
    public FolderWatcherRegistry Watchers { get; } = watchers;
    public MessageHeaderCache Headers { get; } = headers;
    public BodyStructureCache BodyStructures { get; } = bodyStructures;
    public ImapOptions Options { get; } = options.Value;
    public GatewayOptions GatewayOptions { get; } = gatewayOptions.Value;
    public ServerCertificate Certificate { get; } = certificate;
    public TimeProvider Time { get; } = time;
}
