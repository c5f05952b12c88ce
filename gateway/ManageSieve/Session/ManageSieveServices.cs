using MailCloud.Core.Sieve;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Security;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.ManageSieve.Session;

/// <summary>What every ManageSieve session shares (one instance, from DI, as for POP3): the script store and checker, the user authenticator, options.</summary>
internal sealed class ManageSieveServices(
    ISieveScriptStore store,
    ISieveScriptChecker checker,
    UserAuthenticator authenticator,
    IOptions<ManageSieveOptions> options,
    IOptions<GatewayOptions> gateway)
{
    public ISieveScriptStore Store { get; } = store;
    public ISieveScriptChecker Checker { get; } = checker;
    public UserAuthenticator Authenticator { get; } = authenticator;
    public ManageSieveOptions Options { get; } = options.Value;
    public GatewayOptions Gateway { get; } = gateway.Value;
}
