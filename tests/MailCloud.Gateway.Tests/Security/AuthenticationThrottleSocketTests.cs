using System.Net;
using MailCloud.Core.Directory;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Security;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Security;

/// <summary>
/// The authentication throttle over real SMTP and IMAP sockets, from several loopback addresses:
/// every spelling of an account counts as that account, and a burst of wrong passwords locks out
/// that address with that account, not the account everywhere nor the address for everyone.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AuthenticationThrottleSocketTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private GatewayTestHost? _host;

    private GatewayTestHost Host => _host!;

    public async Task InitializeAsync()
    {
        _host = await GatewayTestHost.StartAsync(azurite, configureServices: s => s.AddImap(), settings: new Dictionary<string, string?>
        {
            // No delays, so the test waits for nothing; three failures lock the pair, a hundred the address.
            ["AuthenticationThrottle:FreeFailures"] = "3",
            ["AuthenticationThrottle:LockoutAfter"] = "3",
            ["AuthenticationThrottle:ClientLockoutAfter"] = "100",
        });
        await Host.SeedDirectoryAsync(("alice@example.test", "alice-secret"), ("bob@example.test", "bob-secret"));
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Smtp_failures_under_three_spellings_lock_that_address_out_of_that_account_only()
    {
        var guesser = IPAddress.Parse("127.0.0.2");
        await using (var smtp = await SubmissionAsync(guesser))
        {
            foreach (var spelling in new[] { "alice@example.test.", "ALICE@Example.Test", "alice+tag@example.test" })
            {
                Assert.StartsWith("535 5.7.8", await AuthPlainAsync(smtp, spelling, "wrong"));
            }

            // Locked: the right password is not even checked.
            Assert.StartsWith("454 4.7.0", await AuthPlainAsync(smtp, "alice@example.test", "alice-secret"));
        }

        await using (var sameAddressOtherAccount = await SubmissionAsync(guesser))
        {
            Assert.StartsWith("235 2.7.0", await AuthPlainAsync(sameAddressOtherAccount, "bob@example.test", "bob-secret"));
        }

        await using (var owner = await SubmissionAsync(IPAddress.Parse("127.0.0.3")))
        {
            Assert.StartsWith("235 2.7.0", await AuthPlainAsync(owner, "alice@example.test", "alice-secret"));
        }
    }

    [Fact]
    public async Task Imap_failures_lock_the_pair_for_smtp_too_while_the_owner_logs_in_from_elsewhere()
    {
        var guesser = IPAddress.Parse("127.0.0.4");
        await using (var imap = await LineClient.ConnectAsync(Host.Port(ListenerNames.Imap), guesser))
        {
            Assert.StartsWith("* OK", await imap.ReadLineAsync());
            Assert.StartsWith("a NO [AUTHENTICATIONFAILED]", await imap.CommandAsync("a LOGIN bob@example.test. wrong"));
            Assert.StartsWith("b NO [AUTHENTICATIONFAILED]", await imap.CommandAsync("b LOGIN BOB+imap@EXAMPLE.test wrong"));
            Assert.StartsWith("c NO [AUTHENTICATIONFAILED]", await imap.CommandAsync("c LOGIN bob@example.test wrong"));
            Assert.StartsWith("d NO [UNAVAILABLE]", await imap.CommandAsync("d LOGIN bob@example.test bob-secret"));
        }

        await using (var smtp = await SubmissionAsync(guesser))
        {
            Assert.StartsWith("454 4.7.0", await AuthPlainAsync(smtp, "bob@example.test", "bob-secret"));
        }

        await using var owner = await LineClient.ConnectAsync(Host.Port(ListenerNames.Imap), IPAddress.Parse("127.0.0.5"));
        Assert.StartsWith("* OK", await owner.ReadLineAsync());
        Assert.StartsWith("a OK", await owner.CommandAsync("a LOGIN bob@example.test bob-secret"));
    }

    [Fact]
    public void Every_spelling_of_an_account_is_one_throttle_key_and_unknown_addresses_are_keyed_without_their_detail()
    {
        var alice = new Account("0b9a", "alice@example.test", null, "", 0, true, DateTimeOffset.UnixEpoch);
        var snapshot = new DirectorySnapshot("v1", [new HostedDomain("example.test")], [alice], [], []);

        Assert.All(
            new[] { "alice@example.test", " alice@example.test. ", "ALICE@Example.Test", "alice+tag@example.test", "Alice+Other@EXAMPLE.TEST." },
            spelling => Assert.Equal("account:0b9a", UserAuthenticator.ThrottleKey(snapshot, spelling)));
        Assert.Equal(UserAuthenticator.ThrottleKey(snapshot, "nobody@example.test"), UserAuthenticator.ThrottleKey(snapshot, "NOBODY+x@example.test."));
        Assert.NotEqual(UserAuthenticator.ThrottleKey(snapshot, "nobody@example.test"), UserAuthenticator.ThrottleKey(snapshot, "somebody@example.test"));
    }

    private async Task<LineClient> SubmissionAsync(IPAddress from)
    {
        var client = await LineClient.ConnectAsync(Host.Port(ListenerNames.Submission), from);
        Assert.StartsWith("220 ", await client.ReadLineAsync());
        await client.SendAsync("EHLO client.test\r\n");
        await client.ReadUntilAsync(line => line.StartsWith("250 ", StringComparison.Ordinal));
        return client;
    }

    private static Task<string?> AuthPlainAsync(LineClient client, string user, string password) =>
        client.CommandAsync($"AUTH PLAIN {LineClient.Base64($"\0{user}\0{password}")}");
}
