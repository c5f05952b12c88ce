using System.Net.Sockets;
using MailCloud.Core.Directory;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Imap;
using MailCloud.Gateway.Pop3;
using MailCloud.Gateway.Tests.Imap;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Tests.EndToEnd;

/// <summary>
/// IMAP and POP3 logins while the directory's storage is down and this gateway never read it:
/// a temporary refusal (RFC 5530 UNAVAILABLE, RFC 3206 SYS/TEMP), and the same session logs in
/// once storage is back.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DirectoryOutageLoginTests(AzuriteFixture azurite)
{
    private readonly StorageOutage _outage = new();

    [Fact]
    public async Task Imap_login_answers_unavailable_and_the_session_lives_on()
    {
        await using var host = await StartAsync();
        await using var client = await ImapRawClient.ConnectAsync(host.Port(ListenerNames.Imap));
        _outage.IsDown = true;
        Assert.Equal(["a1 NO [UNAVAILABLE] Storage is unavailable, try again"], await client.CommandAsync("a1", "LOGIN alice@example.test alice-secret"));

        _outage.IsDown = false;
        Assert.StartsWith("a2 OK", (await client.CommandAsync("a2", "LOGIN alice@example.test alice-secret"))[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pop3_login_answers_sys_temp_and_the_session_lives_on()
    {
        await using var host = await StartAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", host.Port(ListenerNames.Pop3));
        await using var stream = tcp.GetStream();
        using var reader = new StreamReader(stream);
        await using var writer = new StreamWriter(stream) { NewLine = "\r\n", AutoFlush = true };
        Assert.StartsWith("+OK", await reader.ReadLineAsync(), StringComparison.Ordinal);

        _outage.IsDown = true;
        await writer.WriteLineAsync("USER alice@example.test");
        Assert.StartsWith("+OK", await reader.ReadLineAsync(), StringComparison.Ordinal);
        await writer.WriteLineAsync("PASS alice-secret");
        Assert.StartsWith("-ERR [SYS/TEMP]", await reader.ReadLineAsync(), StringComparison.Ordinal);

        _outage.IsDown = false;
        await writer.WriteLineAsync("USER alice@example.test");
        Assert.StartsWith("+OK", await reader.ReadLineAsync(), StringComparison.Ordinal);
        await writer.WriteLineAsync("PASS alice-secret");
        Assert.StartsWith("+OK", await reader.ReadLineAsync(), StringComparison.Ordinal);
        Assert.True(_outage.FailedRequests > 0);
    }

    /// <summary>A gateway whose directory container is behind the outage, seeded by another directory instance (as the CLI would).</summary>
    private async Task<GatewayTestHost> StartAsync()
    {
        var host = await GatewayTestHost.StartWithDirectoryOutageAsync(azurite, _outage, s =>
        {
            s.AddImap();
            s.AddPop3();
        });
        var seeder = ActivatorUtilities.CreateInstance<BlobMailDirectory>(host.Services);
        await seeder.AddDomainAsync(GatewayTestHost.Domain, CancellationToken.None);
        await seeder.AddAccountAsync("alice@example.test", "alice-secret", null, null, CancellationToken.None);
        return host;
    }
}
