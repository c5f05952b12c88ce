using MailCloud.Core.Authentication;
using MailCloud.Core.Authentication.Dnsbl;
using MailCloud.Core.Directory;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Security;
using MailCloud.Gateway.Smtp.Acceptance;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Smtp.Session;

/// <summary>What every SMTP session shares (one instance, from DI, as for IMAP and POP3): options, the directory, acceptance, sender authentication (SPF, DKIM, DMARC), the user authenticator, the MX's per-client rates and DNS blocklist check, the clock.</summary>
internal sealed class SmtpServices(
    IOptions<SmtpOptions> options,
    IOptions<GatewayOptions> gateway,
    IMailDirectory directory,
    MessageAcceptor acceptor,
    MessageAuthenticator messageAuthenticator,
    UserAuthenticator authenticator,
    ClientRateLimits rates,
    DnsBlocklistChecker blocklists,
    TimeProvider time)
{
    public SmtpOptions Options { get; } = options.Value;
    public GatewayOptions Gateway { get; } = gateway.Value;
    public IMailDirectory Directory { get; } = directory;
    public MessageAcceptor Acceptor { get; } = acceptor;
    public MessageAuthenticator MessageAuthenticator { get; } = messageAuthenticator;
    public UserAuthenticator Authenticator { get; } = authenticator;
    public ClientRateLimits Rates { get; } = rates;
    public DnsBlocklistChecker Blocklists { get; } = blocklists;
    public TimeProvider Time { get; } = time;
}
