using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Security;

namespace MailCloud.Gateway.Pop3.Session;

/// <summary>What every POP3 session shares.</summary>
internal sealed record Pop3Services(
    IMailboxStore Store,
    UserAuthenticator Authenticator,
    Pop3Options Options,
    GatewayOptions Gateway);
