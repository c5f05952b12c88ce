using System.Diagnostics;
using System.Text;
using MailCloud.Core.Authentication.Dkim;
using MailCloud.Core.Authentication.Dns;
using MailCloud.Testing;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailCloud.Core.Tests.Authentication.Dkim;

/// <summary>
/// DKIM keys served by dnsmasq and fetched by <see cref="DnsClientResolver"/>; one signature made by
/// MimeKit with a generated key, one made by OpenDKIM's opendkim-testmsg with a key from opendkim-genkey.
/// </summary>
public sealed class DkimRealDnsTests : IAsyncLifetime
{
    private readonly TestSigningKey _rsa = TestSigningKey.RsaKey;
    private readonly TestSigningKey _ed = TestSigningKey.Ed25519Key;
    private readonly string _openDkimDirectory = System.IO.Directory.CreateTempSubdirectory("mailcloud-opendkim-").FullName;
    private DnsServer? _dns;

    public async Task InitializeAsync()
    {
        await RunAsync("opendkim-genkey", "--domain=odk.test", "--selector=od", "--bits=2048", $"--directory={_openDkimDirectory}");
        var openDkimRecord = ZoneFileRecord(await File.ReadAllTextAsync(Path.Combine(_openDkimDirectory, "od.txt")));
        _dns = await DnsServer.StartAsync(
        [
            "--local=/test/",
            TxtRecord("rsa._domainkey.sender.test", _rsa.Record),
            TxtRecord("ed._domainkey.sender.test", _ed.Record),
            TxtRecord("od._domainkey.odk.test", openDkimRecord),
        ]);
    }

    public async Task DisposeAsync()
    {
        if (_dns is not null)
        {
            await _dns.DisposeAsync();
        }

        System.IO.Directory.Delete(_openDkimDirectory, recursive: true);
    }

    [Fact]
    public async Task Keys_fetched_over_real_dns_verify_mimekit_signatures()
    {
        var message = new MimeMessage(new[] { MailboxAddress.Parse("billing@sender.test") }, new[] { MailboxAddress.Parse("bob@example.test") }, "Invoice", new TextPart("plain") { Text = "Pay invoice 1234.\r\n" });
        _rsa.Sign(message, "sender.test", "rsa");
        _ed.Sign(message, "sender.test", "ed");

        var checks = await Checker().VerifyAsync(message, CancellationToken.None);

        Assert.Equal([DkimResult.Pass, DkimResult.Pass], checks.Select(c => c.Result));
    }

    [Fact]
    public async Task An_opendkim_signature_is_read_and_its_rsa_sha1_refused_by_policy()
    {
        const string message = "From: a@odk.test\r\nTo: b@example.test\r\nSubject: hi\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\n\r\nHello there.\r\n";
        var signed = await RunAsync("opendkim-testmsg", message, "-C", "-d", "odk.test", "-k", Path.Combine(_openDkimDirectory, "od.private"), "-s", "od");

        var check = Assert.Single(await Checker().VerifyAsync(MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(signed))), CancellationToken.None));

        // opendkim-testmsg signs with rsa-sha1, which RFC 8301 §3.1 says must not verify.
        Assert.Equal((DkimResult.Policy, "odk.test", "od"), (check.Result, check.Domain, check.Selector));
    }

    private DkimChecker Checker() => new(
        new DkimKeyLocator(new DnsClientResolver(Options.Create(new DnsOptions { Servers = [_dns!.Endpoint], Retries = 0 }))),
        TimeProvider.System);

    /// <summary>dnsmasq splits TXT data into character-strings at commas; a DKIM key is longer than one 255-octet string.</summary>
    private static string TxtRecord(string name, string text) => $"--txt-record={name},{string.Join(',', text.Chunk(250).Select(c => new string(c)))}";

    /// <summary>The record text of opendkim-genkey's zone-file stub: its quoted strings, glued.</summary>
    private static string ZoneFileRecord(string zoneFile) =>
        string.Concat(zoneFile.Split('"').Where((_, index) => index % 2 == 1));

    private static Task<string> RunAsync(string tool, params string[] arguments) => RunAsync(tool, null, arguments);

    private static async Task<string> RunAsync(string tool, string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo(await Peers.RequireAsync(tool))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {await process.StandardError.ReadToEndAsync()}");
        return output;
    }
}
