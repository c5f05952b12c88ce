using MailCloud.Core.Authentication;
using MailCloud.Core.Directory;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp.Acceptance;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Smtp.Session;

/// <summary>What every SMTP session shares: options, the directory, acceptance, sender authentication, the throttle, the clock.</summary>
internal sealed class SmtpSessionServices(
    IOptions<SmtpOptions> options,
    IOptions<GatewayOptions> gateway,
    IMailDirectory directory,
    MessageAcceptor acceptor,
    MessageAuthenticator authenticator,
    IAuthenticationThrottle throttle,
    TimeProvider time,
    ILogger<SmtpSession> logger)
{
    public SmtpOptions Options { get; } = options.Value;
    public GatewayOptions Gateway { get; } = gateway.Value;
    public IMailDirectory Directory { get; } = directory;
    public MessageAcceptor Acceptor { get; } = acceptor;
    public MessageAuthenticator Authenticator { get; } = authenticator;
    public IAuthenticationThrottle Throttle { get; } = throttle;
    public TimeProvider Time { get; } = time;
    public ILogger Logger { get; } = logger;
}
