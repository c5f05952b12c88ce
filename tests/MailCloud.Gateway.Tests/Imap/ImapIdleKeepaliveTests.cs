using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailCloud.Gateway.Tests.Imap;

/// <summary>IDLE keepalive and limit (RFC 2177 §3), on a fake clock: "* OK Still here" every two minutes, BYE at the IDLE limit.</summary>
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
    public async Task Idle_ends_with_bye_at_its_limit()
    {
        var (server, time) = await StartAsync(azurite, new Dictionary<string, string?> { ["Imap:IdleTimeout"] = "00:09:00" });
        await using var _ = server;
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        await client.SendAsync("i IDLE\r\n");
        Assert.Equal("+ idling", await client.ReadLineAsync());
        for (var i = 0; i < 4; i++)
        {
            time.Advance(TimeSpan.FromMinutes(2));
            Assert.Equal("* OK Still here", await client.ReadLineAsync());
        }

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("* BYE IDLE for too long", await client.ReadLineAsync());
        Assert.Null(await client.ReadLineAsync());
    }

    [Theory]
    [InlineData("00:02:01", "00:30:00")]
    [InlineData("00:00:00", "00:30:00")]
    [InlineData("00:01:00", "00:01:00")]
    public async Task A_keepalive_interval_past_two_minutes_or_the_idle_limit_is_refused_at_start(string interval, string limit)
    {
        await Assert.ThrowsAsync<OptionsValidationException>(() => ImapTestServer.StartAsync(
            azurite,
            new Dictionary<string, string?> { ["Imap:IdleKeepaliveInterval"] = interval, ["Imap:IdleTimeout"] = limit }));
    }
}
