using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Hosting;

namespace MailCloud.Gateway.Pop3.Session;

/// <summary>What every POP3 session shares.</summary>
internal sealed record Pop3Services(
    IMailboxStore Store,
    IMailDirectory Directory,
    IAuthenticationThrottle Throttle,
    Pop3Options Options,
    GatewayOptions Gateway,
    TimeProvider Time);
