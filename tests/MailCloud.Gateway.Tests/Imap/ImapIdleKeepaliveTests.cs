using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>IDLE keepalive and limit (RFC 2177 §3), on a fake clock: "* OK Still here" every two minutes, BYE when the listener's idle timeout is about to close the connection.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ImapIdleKeepaliveTests(AzuriteFixture azurite)
{
    private static async Task<(ImapTestServer Server, FakeTimeProvider Time)> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? settings = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await ImapTestServer.StartAsync(azurite, settings, configureServices: s => s.AddSingleton<TimeProvider>(time));
        return (server, time);
    }

    [Fact]
    public async Task Idle_says_still_here_every_two_minutes_until_done()
    {
        var (server, time) = await StartAsync(azurite);
        await using var _ = server;
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.CommandAsync("s", "SELECT INBOX");
        await client.SendAsync("i IDLE\r\n");
        Assert.Equal("+ idling", await client.ReadLineAsync());

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("* OK Still here", await client.ReadLineAsync());
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("* OK Still here", await client.ReadLineAsync());

        await client.SendAsync("DONE\r\n");
        Assert.Equal("i OK IDLE terminated", await client.ReadLineAsync());
        Assert.Equal(["n OK NOOP completed"], await client.CommandAsync("n", "NOOP"));
    }

    [Fact]
    public async Task Idle_ends_with_bye_a_second_before_the_listeners_idle_timeout()
    {
        var (server, time) = await StartAsync(azurite);
        await using var _ = server;
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.SendAsync("i IDLE\r\n");
        Assert.Equal("+ idling", await client.ReadLineAsync());
        for (var i = 0; i < 14; i++)
        {
            time.Advance(TimeSpan.FromMinutes(2));
            Assert.Equal("* OK Still here", await client.ReadLineAsync());
        }

        // 28 minutes in; the IMAP listener's idle timeout is 30 (RFC 9051 §5.4).
        time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        Assert.Equal("* BYE IDLE for too long", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
    }

    [Theory]
    [InlineData("00:02:01")]
    [InlineData("00:00:00")]
    public async Task A_keepalive_interval_past_two_minutes_or_not_positive_is_refused_at_start(string interval)
    {
        await Assert.ThrowsAsync<OptionsValidationException>(() => ImapTestServer.StartAsync(
            azurite,
            new Dictionary<string, string?> { ["Imap:IdleKeepaliveInterval"] = interval }));
    }
}
