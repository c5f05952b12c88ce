using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Tests.Support;
using MailCloud.Testing;

namespace MailCloud.Gateway.Tests.Hosting;

/// <summary>
/// What TLS 1.2 offers, asked with OpenSSL's own client (issue 14, defect 9): AEAD suites with ECDHE
/// only, as Mozilla's "intermediate" profile. The test certificate is ECDSA, so the CBC suites tried
/// include the ECDHE-ECDSA ones it could otherwise negotiate.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TlsCipherSuiteTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("ECDHE-ECDSA-AES128-GCM-SHA256", true)]
    [InlineData("ECDHE-ECDSA-AES256-GCM-SHA384", true)]
    [InlineData("ECDHE-ECDSA-CHACHA20-POLY1305", true)]
    [InlineData("ECDHE-ECDSA-AES128-SHA", false)]
    [InlineData("ECDHE-ECDSA-AES256-SHA384", false)]
    [InlineData("AES128-SHA", false)]
    public async Task Tls12_offers_only_aead_suites_on_implicit_tls_and_starttls(string cipher, bool accepted)
    {
        await using var host = await GatewayTestHost.StartAsync(azurite);
        string[] implicitTls = ["-connect", $"127.0.0.1:{host.Port(ListenerNames.Submissions)}"];
        string[] startTls = ["-connect", $"127.0.0.1:{host.Port(ListenerNames.Mx)}", "-starttls", "smtp"];
        foreach (var connect in new[] { implicitTls, startTls })
        {
            var (exitCode, output) = await Peers.RunAsync("openssl", ["s_client", .. connect, "-tls1_2", "-cipher", cipher, "-brief"]);
            Assert.True(accepted == (exitCode == 0), $"{cipher} over {string.Join(' ', connect)}: exit {exitCode}\n{output}");
            if (accepted)
            {
                Assert.Contains($"Ciphersuite: {cipher}", output, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Tls13_still_negotiates()
    {
        await using var host = await GatewayTestHost.StartAsync(azurite);
        var (exitCode, output) = await Peers.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{host.Port(ListenerNames.Submissions)}", "-tls1_3", "-brief"]);
        Assert.True(exitCode == 0, output);
        Assert.Contains("Protocol version: TLSv1.3", output, StringComparison.Ordinal);
    }
}
