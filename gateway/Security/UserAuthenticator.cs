using System.Net;
using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Gateway.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Security;

/// <summary>How a password check ended.</summary>
public enum AuthenticationStatus
{
    Succeeded,

    /// <summary>Unknown user, wrong password or disabled account: one answer for all (no user enumeration).</summary>
    Failed,

    /// <summary>The client address or the account is locked out (<see cref="IAuthenticationThrottle"/>); the password was not checked.</summary>
    LockedOut,

    /// <summary>The directory cannot be read for now (storage down before any snapshot was read): a temporary failure.</summary>
    Unavailable,
}

/// <summary>The outcome of <see cref="UserAuthenticator.AuthenticateAsync"/>; <see cref="Account"/> is set when it succeeded.</summary>
public readonly record struct AuthenticationResult(AuthenticationStatus Status, Account? Account = null);

/// <summary>
/// The one authenticator SMTP AUTH, IMAP LOGIN/AUTHENTICATE and POP3 USER/PASS/AUTH go through:
/// the plaintext policy, the password check against the directory, and the failure throttle, whose
/// delays run on the injected <see cref="TimeProvider"/>. SASL decoding is <see cref="SaslExchange"/>.
/// </summary>
public sealed partial class UserAuthenticator(
    IMailDirectory directory,
    IAuthenticationThrottle throttle,
    IOptions<GatewayOptions> gateway,
    TimeProvider time,
    ILogger<UserAuthenticator> logger)
{
    private readonly bool _plaintextOnLoopback = gateway.Value.AllowPlaintextAuthOnLoopback;

    /// <summary>
    /// Passwords travel only under TLS (RFC 8314 §3; RFC 9051 §6.2.3 LOGINDISABLED, RFC 2595 §2.1,
    /// RFC 4954 §4), or from a loopback client when <see cref="GatewayOptions.AllowPlaintextAuthOnLoopback"/> allows it.
    /// </summary>
    public bool PlaintextAllowed(IProtocolConnection connection) => PlaintextAllowed(connection.IsSecure, connection.RemoteEndPoint.Address);

    /// <inheritdoc cref="PlaintextAllowed(IProtocolConnection)"/>
    public bool PlaintextAllowed(bool secure, IPAddress client) => secure || _plaintextOnLoopback && IPAddress.IsLoopback(client);

    /// <summary>True while the client's address is locked out: refuse before reading any credentials.</summary>
    public bool IsLockedOut(IPAddress client) => throttle.IsLockedOut(client, null);

    /// <summary>
    /// Checks <paramref name="user"/>'s password. A failure is answered late as the throttle says:
    /// <paramref name="beforeDelay"/> runs first (send the replies already written, so pipelined
    /// answers are not held back), then the delay.
    /// </summary>
    public async Task<AuthenticationResult> AuthenticateAsync(
        IPAddress client, string user, string password, Func<CancellationToken, ValueTask> beforeDelay, CancellationToken cancellationToken)
    {
        string throttled;
        Account? account;
        try
        {
            throttled = ThrottleKey(await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false), user);
            if (throttle.IsLockedOut(client, throttled))
            {
                LogLockedOut(client, user);
                return new AuthenticationResult(AuthenticationStatus.LockedOut);
            }

            account = await directory.AuthenticateAsync(user, password, cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryUnavailableException ex)
        {
            LogDirectoryUnavailable(ex, client);
            return new AuthenticationResult(AuthenticationStatus.Unavailable);
        }

        if (account is null)
        {
            var delay = throttle.RecordFailure(client, throttled);
            LogFailed(client, user, delay);
            if (delay > TimeSpan.Zero)
            {
                await beforeDelay(cancellationToken).ConfigureAwait(false);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }

            return new AuthenticationResult(AuthenticationStatus.Failed);
        }

        throttle.RecordSuccess(client, throttled);
        return new AuthenticationResult(AuthenticationStatus.Succeeded, account);
    }

    /// <summary>
    /// The account a login names, as the throttle counts it: the account's id when the directory
    /// has the address (any case, a trailing dot, a +detail: RFC 5233), else the address without its
    /// detail, else the text itself. So <c>ALICE+x@example.test.</c> and <c>alice@example.test</c> are
    /// one account to the throttle, and a guesser cannot start afresh by spelling it another way.
    /// </summary>
    internal static string ThrottleKey(DirectorySnapshot snapshot, string user)
    {
        var text = user.Trim();
        if (!EmailAddress.TryParse(text, out var address))
        {
            return "name:" + text.ToLowerInvariant();
        }

        var plain = address.WithoutSubaddress() ?? address;
        var account = snapshot.FindAccount(address.ToString()) ?? snapshot.FindAccount(plain.ToString());
        return account is not null ? "account:" + account.Id : "address:" + plain.Key;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication failed for {User} from {Client}; answering after {Delay}")]
    private partial void LogFailed(IPAddress client, string user, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication for {User} from {Client} refused while locked out")]
    private partial void LogLockedOut(IPAddress client, string user);

    [LoggerMessage(Level = LogLevel.Error, Message = "Directory unavailable; authentication from {Client} answered as a temporary failure")]
    private partial void LogDirectoryUnavailable(Exception exception, IPAddress client);
}
