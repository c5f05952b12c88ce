using System.Net;
using System.Net.Sockets;
using MailCloud.Core.Authentication.Dns;
using MailCloud.Core.Authentication.Spf;
using MailCloud.Testing;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Tests.Authentication.Spf;

/// <summary>SPF through real DNS: dnsmasq on a loopback port, asked by <see cref="DnsClientResolver"/>.</summary>
public sealed class SpfRealDnsTests : IAsyncLifetime
{
    private static readonly IPAddress Sender = IPAddress.Parse("192.0.2.10");
    private DnsServer? _dns;

    // dnsmasq takes option text literally (no quotes); a comma starts a new TXT character-string.
    public async Task InitializeAsync() => _dns = await DnsServer.StartAsync(
    [
        "--local=/test/",
        "--txt-record=remote.test,v=spf1 mx include:_spf.remote.test -all",
        "--mx-host=remote.test,mx.remote.test,10",
        "--host-record=mx.remote.test,192.0.2.25",
        "--txt-record=_spf.remote.test,v=spf1 ip4:192.0.2.0/28 ip6:2001:db8::/32 ~all",
        // One TXT record split into two character-strings (RFC 7208 §3.3: glued without a space).
        "--txt-record=strict.test,v=spf1 a:mx.remote.test -al,l exp=why.strict.test",
        "--txt-record=why.strict.test,%{i} is not allowed to send for %{d}",
        "--txt-record=loop.test,v=spf1 include:loop2.test -all",
        "--txt-record=loop2.test,v=spf1 include:loop.test -all",
        "--txt-record=many.test,v=spf1 a:1.test a:2.test a:3.test a:4.test a:5.test a:6.test a:7.test a:8.test a:9.test a:10.test a:11.test -all",
        "--address=/1.test/2.test/3.test/4.test/5.test/6.test/7.test/8.test/9.test/10.test/11.test/198.51.100.1",
        "--txt-record=void.test,v=spf1 a:gone1.test a:gone2.test a:gone3.test -all",
    ]);

    public async Task DisposeAsync()
    {
        if (_dns is not null)
        {
            await _dns.DisposeAsync();
        }
    }

    private SpfEvaluator Evaluator(string server) =>
        new(new DnsClientResolver(Options.Create(new DnsOptions { Servers = [server], Timeout = TimeSpan.FromMilliseconds(500), Retries = 0 })), TimeProvider.System);

    private Task<SpfCheck> CheckAsync(IPAddress client, string mailFrom) =>
        Evaluator(_dns!.Endpoint).CheckMailFromAsync(client, mailFrom, "client.remote.test", "mx.example.test", CancellationToken.None);

    [Fact]
    public async Task An_include_passes_and_an_mx_host_passes()
    {
        Assert.Equal(SpfResult.Pass, (await CheckAsync(Sender, "carol@remote.test")).Result);
        Assert.Equal(SpfResult.Pass, (await CheckAsync(IPAddress.Parse("192.0.2.25"), "carol@remote.test")).Result);
        Assert.Equal(SpfResult.Pass, (await CheckAsync(IPAddress.Parse("2001:db8::5"), "carol@remote.test")).Result);
    }

    [Fact]
    public async Task An_outside_address_fails_with_the_published_explanation()
    {
        var check = await CheckAsync(IPAddress.Parse("203.0.113.9"), "carol@strict.test");

        Assert.Equal(SpfResult.Fail, check.Result);
        Assert.Equal("203.0.113.9 is not allowed to send for strict.test", check.Explanation);
        Assert.Equal(SpfResult.Fail, (await CheckAsync(IPAddress.Parse("203.0.113.9"), "carol@remote.test")).Result);
    }

    [Fact]
    public async Task A_domain_without_a_record_is_none()
    {
        Assert.Equal(SpfResult.None, (await CheckAsync(Sender, "carol@nowhere.test")).Result);
    }

    [Fact]
    public async Task A_looping_include_is_permerror()
    {
        var check = await CheckAsync(Sender, "carol@loop.test");

        Assert.Equal(SpfResult.PermError, check.Result);
        Assert.Contains("more than 10", check.Problem);
    }

    [Fact]
    public async Task Too_many_lookups_and_too_many_void_lookups_are_permerror()
    {
        Assert.Equal(SpfResult.PermError, (await CheckAsync(Sender, "carol@many.test")).Result);
        var voids = await CheckAsync(Sender, "carol@void.test");
        Assert.Equal(SpfResult.PermError, voids.Result);
        Assert.Contains("void", voids.Problem);
    }

    [Fact]
    public async Task A_dns_server_that_does_not_answer_is_temperror()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var endpoint = (IPEndPoint)silent.Client.LocalEndPoint!;

        var check = await Evaluator(endpoint.ToString()).CheckMailFromAsync(Sender, "carol@remote.test", "client.remote.test", "mx.example.test", CancellationToken.None);

        Assert.Equal(SpfResult.TempError, check.Result);
    }
}
