using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Security;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>What sessions share: storage, the user authenticator, folder watchers, the header and body-structure caches, options and the clock.</summary>
internal sealed record ImapServices(
    IMailboxStore Store,
    UserAuthenticator Authenticator,
    FolderWatcherRegistry Watchers,
    MessageHeaderCache Headers,
    BodyStructureCache BodyStructures,
    ImapOptions Options,
    GatewayOptions GatewayOptions,
    ServerCertificate Certificate,
    TimeProvider Time);
