using System.Net;
using MailCloud.Core.Directory;
using MailCloud.Gateway.Security;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MailCloud.Gateway.Tests.Security;

/// <summary>
/// The authenticator SMTP, IMAP and POP3 share, alone: SASL PLAIN and LOGIN (<see cref="SaslExchange"/>),
/// the authorization-identity rule, the plaintext policy, and the password check with its throttle on
/// the injected clock, against a real directory on Azurite.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class UserAuthenticatorTests(AzuriteFixture azurite)
{
    private static readonly IPAddress Remote = IPAddress.Parse("192.0.2.7");

    [Theory]
    [InlineData("\0alice@example.test\0pw", SaslStatus.Credentials)]
    [InlineData("alice@example.test\0alice@example.test\0pw", SaslStatus.Credentials)]
    [InlineData("Alice@EXAMPLE.test\0alice@example.test\0pw", SaslStatus.Credentials)] // the same account, as the directory matches it
    [InlineData("bob@example.test\0alice@example.test\0pw", SaslStatus.AuthorizationDenied)]
    [InlineData("alice+x@example.test\0alice@example.test\0pw", SaslStatus.AuthorizationDenied)] // a subaddress is not the account's identity
    [InlineData("Admin\0admin\0pw", SaslStatus.AuthorizationDenied)] // not addresses: exact
    [InlineData("\0\0pw", SaslStatus.Malformed)]
    [InlineData("alice@example.test\0pw", SaslStatus.Malformed)]
    [InlineData("\0a\0b\0c", SaslStatus.Malformed)]
    public async Task Plain_with_an_initial_response(string message, SaslStatus expected)
    {
        var exchange = new ScriptedClient();
        var result = await SaslExchange.RunAsync(SaslMechanism.Plain, LineClient.Base64(message), exchange.AnswerAsync, CancellationToken.None);

        Assert.Equal(expected, result.Status);
        Assert.Empty(exchange.Challenges);
        if (expected == SaslStatus.Credentials)
        {
            Assert.Equal(("alice@example.test", "pw"), (result.User, result.Password));
        }
    }

    [Fact]
    public async Task Plain_without_an_initial_response_is_asked_for_with_an_empty_challenge()
    {
        var exchange = new ScriptedClient(LineClient.Base64("\0alice@example.test\0pw"));
        var result = await SaslExchange.RunAsync(SaslMechanism.Plain, null, exchange.AnswerAsync, CancellationToken.None);

        Assert.Equal(new SaslResult(SaslStatus.Credentials, "alice@example.test", "pw"), result);
        Assert.Equal([""], exchange.Challenges);
    }

    [Fact]
    public async Task Login_asks_for_the_user_name_then_the_password()
    {
        var exchange = new ScriptedClient(LineClient.Base64("alice@example.test"), LineClient.Base64("pw"));
        var result = await SaslExchange.RunAsync(SaslMechanism.Login, null, exchange.AnswerAsync, CancellationToken.None);

        Assert.Equal(new SaslResult(SaslStatus.Credentials, "alice@example.test", "pw"), result);
        Assert.Equal([LineClient.Base64("Username:"), LineClient.Base64("Password:")], exchange.Challenges);
    }

    [Fact]
    public async Task Login_takes_the_user_name_as_its_initial_response()
    {
        var exchange = new ScriptedClient(LineClient.Base64("pw"));
        var result = await SaslExchange.RunAsync(SaslMechanism.Login, LineClient.Base64("alice@example.test"), exchange.AnswerAsync, CancellationToken.None);

        Assert.Equal(new SaslResult(SaslStatus.Credentials, "alice@example.test", "pw"), result);
        Assert.Equal([LineClient.Base64("Password:")], exchange.Challenges);
    }

    [Theory]
    [InlineData(SaslMechanism.Plain, new[] { "*" }, SaslStatus.Cancelled)]
    [InlineData(SaslMechanism.Login, new[] { "YWxpY2U=", "*" }, SaslStatus.Cancelled)]
    [InlineData(SaslMechanism.Plain, new[] { "!!not base64" }, SaslStatus.InvalidBase64)]
    [InlineData(SaslMechanism.Login, new[] { "YWxpY2U=", "%%" }, SaslStatus.InvalidBase64)]
    [InlineData(SaslMechanism.Plain, new[] { "/w==" }, SaslStatus.InvalidBase64)] // 0xFF is not UTF-8
    [InlineData(SaslMechanism.Plain, new[] { "=" }, SaslStatus.Malformed)] // RFC 4954 §4: empty
    [InlineData(SaslMechanism.Login, new[] { "=", "cHc=" }, SaslStatus.Malformed)] // no user name
    public async Task Cancelled_and_undecodable_responses(SaslMechanism mechanism, string[] responses, SaslStatus expected)
    {
        var result = await SaslExchange.RunAsync(mechanism, null, new ScriptedClient(responses).AnswerAsync, CancellationToken.None);
        Assert.Equal(expected, result.Status);
    }

    [Fact]
    public async Task A_response_line_too_long_to_read_is_malformed()
    {
        var result = await SaslExchange.RunAsync(SaslMechanism.Plain, null, (_, _) => ValueTask.FromResult<string?>(null), CancellationToken.None);
        Assert.Equal(SaslStatus.Malformed, result.Status);
    }

    [Theory]
    [InlineData("plain", true, SaslMechanism.Plain)]
    [InlineData("Login", true, SaslMechanism.Login)]
    [InlineData("CRAM-MD5", false, SaslMechanism.Plain)]
    public void Mechanism_names_are_case_insensitive(string name, bool known, SaslMechanism mechanism)
    {
        Assert.Equal(known, SaslExchange.TryGetMechanism(name, out var found));
        Assert.Equal(mechanism, found);
    }

    [Fact]
    public async Task Plaintext_is_allowed_under_tls_and_from_loopback_only_when_configured()
    {
        await using (var lenient = await GatewayTestHost.StartAsync(azurite))
        {
            var authenticator = lenient.Services.GetRequiredService<UserAuthenticator>();
            Assert.True(authenticator.PlaintextAllowed(secure: false, IPAddress.Loopback));
            Assert.True(authenticator.PlaintextAllowed(secure: false, IPAddress.IPv6Loopback));
            Assert.False(authenticator.PlaintextAllowed(secure: false, Remote));
            Assert.True(authenticator.PlaintextAllowed(secure: true, Remote));
        }

        await using var strict = await GatewayTestHost.StartAsync(azurite, o => o.AllowPlaintextAuthOnLoopback = false);
        var strictAuthenticator = strict.Services.GetRequiredService<UserAuthenticator>();
        Assert.False(strictAuthenticator.PlaintextAllowed(secure: false, IPAddress.Loopback));
        Assert.True(strictAuthenticator.PlaintextAllowed(secure: true, IPAddress.Loopback));
    }

    [Fact]
    public async Task Passwords_are_checked_against_the_directory_and_failures_are_delayed_then_locked_out_on_the_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await GatewayTestHost.StartAsync(
            azurite,
            configureServices: s => s.AddSingleton<TimeProvider>(time),
            settings: new Dictionary<string, string?>
            {
                ["AuthenticationThrottle:FreeFailures"] = "1",
                ["AuthenticationThrottle:BaseDelay"] = "00:00:05",
                ["AuthenticationThrottle:LockoutAfter"] = "3",
                ["AuthenticationThrottle:ClientLockoutAfter"] = "3",
            });
        await host.SeedDirectoryAsync(("alice@example.test", "alice-secret"));
        var authenticator = host.Services.GetRequiredService<UserAuthenticator>();
        var flushes = 0;
        ValueTask Flush(CancellationToken _)
        {
            flushes++;
            return ValueTask.CompletedTask;
        }

        var ok = await authenticator.AuthenticateAsync(Remote, "Alice@Example.Test", "alice-secret", Flush, CancellationToken.None);
        Assert.Equal(AuthenticationStatus.Succeeded, ok.Status);
        Assert.Equal("alice@example.test", ok.Account!.Address);

        // The first failure is free: answered at once, nothing flushed early.
        var first = await authenticator.AuthenticateAsync(Remote, "alice@example.test", "wrong", Flush, CancellationToken.None);
        Assert.Equal((AuthenticationStatus.Failed, 0), (first.Status, flushes));

        // The second waits five seconds of the injected clock, after sending what was written.
        var second = authenticator.AuthenticateAsync(Remote, "nobody@example.test", "wrong", Flush, CancellationToken.None);
        await WaitUntilAsync(() => flushes == 1);
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(AuthenticationStatus.Failed, (await second).Status);

        var third = authenticator.AuthenticateAsync(Remote, "alice@example.test", "wrong", Flush, CancellationToken.None);
        await WaitUntilAsync(() => flushes == 2);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(AuthenticationStatus.Failed, (await third).Status);

        // Locked out: even the right password is not checked, until the lockout ends.
        Assert.True(authenticator.IsLockedOut(Remote));
        Assert.Equal(AuthenticationStatus.LockedOut, (await authenticator.AuthenticateAsync(Remote, "alice@example.test", "alice-secret", Flush, CancellationToken.None)).Status);
        time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(AuthenticationStatus.Succeeded, (await authenticator.AuthenticateAsync(Remote, "alice@example.test", "alice-secret", Flush, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_directory_that_cannot_be_read_is_a_temporary_failure_and_not_counted()
    {
        var outage = new StorageOutage();
        await using var host = await GatewayTestHost.StartWithDirectoryOutageAsync(azurite, outage);
        var authenticator = host.Services.GetRequiredService<UserAuthenticator>();
        outage.IsDown = true;

        var result = await authenticator.AuthenticateAsync(Remote, "alice@example.test", "alice-secret", _ => ValueTask.CompletedTask, CancellationToken.None);
        Assert.Equal(AuthenticationStatus.Unavailable, result.Status);
        Assert.False(authenticator.IsLockedOut(Remote));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>A client answering challenges from a script, remembering the challenges it was sent.</summary>
    private sealed class ScriptedClient(params string[] responses)
    {
        private readonly Queue<string> _responses = new(responses);

        public List<string> Challenges { get; } = [];

        public ValueTask<string?> AnswerAsync(string challenge, CancellationToken cancellationToken)
        {
            Challenges.Add(challenge);
            return ValueTask.FromResult<string?>(_responses.Dequeue());
        }
    }
}
