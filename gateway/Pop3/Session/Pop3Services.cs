using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Security;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Pop3.Session;

/// <summary>What every POP3 session shares (one instance, from DI, as for SMTP and IMAP): storage, the user authenticator, options.</summary>
internal sealed class Pop3Services(
    IMailboxStore store,
    UserAuthenticator authenticator,
    IOptions<Pop3Options> options,
    IOptions<GatewayOptions> gateway)
{
    public IMailboxStore Store { get; } = store;
    public UserAuthenticator Authenticator { get; } = authenticator;
    public Pop3Options Options { get; } = options.Value;
    public GatewayOptions Gateway { get; } = gateway.Value;
}
