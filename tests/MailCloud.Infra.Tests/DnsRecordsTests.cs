using System.CommandLine;
using System.Security.Cryptography;
using MailCloud.Cli.Commands;
using MailCloud.Core.ClientSetup;

namespace MailCloud.Infra.Tests;

/// <summary>`mailcloud dns`: the records a hosted domain needs, from the arguments alone.</summary>
public sealed class DnsRecordsTests
{
    [Fact]
    public void Records_CoverMxSpfDmarcSrvMtaStsAndTlsRpt()
    {
        var lines = Render(DnsRecordRequest.Create("example.com", null, "203.0.113.25", [], DnsCommand.DefaultSelector, null));

        Assert.Contains(Line("example.com.", "MX", "10 mail.example.com."), lines);
        Assert.Contains(Line("mail.example.com.", "A", "203.0.113.25"), lines);
        Assert.Contains(Line("example.com.", "TXT", "\"v=spf1 mx -all\""), lines);
        Assert.Contains(Line("_dmarc.example.com.", "TXT", "\"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.com\""), lines);
        Assert.Contains(Line("_submissions._tcp.example.com.", "SRV", "0 1 465 mail.example.com."), lines);
        Assert.Contains(Line("_submission._tcp.example.com.", "SRV", "10 1 587 mail.example.com."), lines);
        Assert.Contains(Line("_imaps._tcp.example.com.", "SRV", "0 1 993 mail.example.com."), lines);
        Assert.Contains(Line("_pop3s._tcp.example.com.", "SRV", "20 1 995 mail.example.com."), lines);
        Assert.Contains(";   mx: mail.example.com", lines);
        Assert.Contains(";   mode: testing", lines);
        var policy = new ClientSetupOptions { MailHost = "mail.example.com" };
        Assert.Contains(Line("_mta-sts.example.com.", "TXT", $"\"v=STSv1; id={ClientSetupDocuments.MtaStsPolicyId(policy)}\""), lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("autoconfig.", StringComparison.Ordinal));
        Assert.Contains(Line("_smtp._tls.example.com.", "TXT", "\"v=TLSRPTv1; rua=mailto:postmaster@example.com\""), lines);
        Assert.All(lines, line => Assert.True(line.Length == 0 || line.StartsWith(';') || line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0].EndsWith('.'), line));
    }

    [Fact]
    public void WebHost_GetsTheClientSetupNames_AndTheMtaStsIdFollowsThePolicy()
    {
        var testing = Render(DnsRecordRequest.Create("example.com", null, null, [], DnsCommand.DefaultSelector, null, "func-abc.azurewebsites.net"));
        var enforce = Render(DnsRecordRequest.Create("example.com", null, null, [], DnsCommand.DefaultSelector, null, "func-abc.azurewebsites.net", MtaStsMode.Enforce));

        Assert.Contains(Line("autoconfig.example.com.", "CNAME", "func-abc.azurewebsites.net."), testing);
        Assert.Contains(Line("autodiscover.example.com.", "CNAME", "func-abc.azurewebsites.net."), testing);
        Assert.Contains(Line("_autodiscover._tcp.example.com.", "SRV", "0 0 443 autodiscover.example.com."), testing);
        Assert.Contains(Line("mta-sts.example.com.", "CNAME", "func-abc.azurewebsites.net."), testing);
        Assert.Contains(";   mode: enforce", enforce);
        var id = (List<string> lines) => lines.Single(l => l.StartsWith("_mta-sts.", StringComparison.Ordinal));
        Assert.NotEqual(id(testing), id(enforce));
        Assert.Equal(id(testing), id(Render(DnsRecordRequest.Create("example.com", null, null, [], DnsCommand.DefaultSelector, null))));
    }

    [Fact]
    public void MxHost_Ipv6_AndSpfIncludes_AreUsed()
    {
        var lines = Render(DnsRecordRequest.Create("Example.COM.", "MX1.Example.com", "2001:db8::25", ["spf.smarthost.example", "_spf.google.com"], DnsCommand.DefaultSelector, null));

        Assert.Contains(Line("example.com.", "MX", "10 mx1.example.com."), lines);
        Assert.Contains(Line("mx1.example.com.", "AAAA", "2001:db8::25"), lines);
        Assert.Contains(Line("example.com.", "TXT", "\"v=spf1 mx include:spf.smarthost.example include:_spf.google.com -all\""), lines);
    }

    [Fact]
    public void InternationalDomain_IsPublishedInAscii()
    {
        var lines = Render(DnsRecordRequest.Create("bücher.example", null, null, [], DnsCommand.DefaultSelector, null));

        Assert.Contains(Line("xn--bcher-kva.example.", "MX", "10 mail.xn--bcher-kva.example."), lines);
    }

    [Fact]
    public void DkimRecord_CarriesThePublicHalfOfTheKey_InStringsOf255()
    {
        using var rsa = RSA.Create(2048);
        var publicKey = DkimPublicKey.FromPem(rsa.ExportPkcs8PrivateKeyPem());

        var lines = Render(DnsRecordRequest.Create("example.com", null, null, [], "s2026", publicKey));

        var record = Assert.Single(lines, l => l.StartsWith("s2026._domainkey.example.com.", StringComparison.Ordinal));
        var strings = record[record.IndexOf('"', StringComparison.Ordinal)..].Split("\" \"").Select(s => s.Trim('"')).ToList();
        Assert.All(strings, s => Assert.InRange(s.Length, 1, 255));
        var value = string.Concat(strings);
        Assert.StartsWith("v=DKIM1; k=rsa; p=", value, StringComparison.Ordinal);

        using var published = RSA.Create();
        published.ImportSubjectPublicKeyInfo(Convert.FromBase64String(value["v=DKIM1; k=rsa; p=".Length..]), out _);
        Assert.Equal(rsa.ExportParameters(false).Modulus, published.ExportParameters(false).Modulus);
    }

    [Fact]
    public void DkimKey_InPkcs1Pem_IsAccepted()
    {
        using var rsa = RSA.Create(2048);

        Assert.Equal(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), DkimPublicKey.FromPem(rsa.ExportRSAPrivateKeyPem()));
    }

    [Theory]
    [InlineData("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")]
    [InlineData("just text")]
    public void DkimKey_ThatIsNotAnRsaKey_IsRefused(string pem)
    {
        Assert.Throws<DnsRecordException>(() => DkimPublicKey.FromPem(pem));
    }

    [Fact]
    public void DkimKey_ShorterThan1024Bits_IsRefused()
    {
        using var rsa = RSA.Create(512);

        var error = Assert.Throws<DnsRecordException>(() => DkimPublicKey.FromPem(rsa.ExportPkcs8PrivateKeyPem()));
        Assert.Contains("RFC 8301", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("exa mple.com")]
    [InlineData("-bad.example.com")]
    [InlineData("")]
    public void MalformedDomain_IsRefused(string domain)
    {
        Assert.Throws<DnsRecordException>(() => DnsRecordRequest.Create(domain, null, null, [], DnsCommand.DefaultSelector, null));
    }

    [Fact]
    public void MalformedGatewayIp_MxHost_OrSelector_IsRefused()
    {
        Assert.Throws<DnsRecordException>(() => DnsRecordRequest.Create("example.com", null, "300.1.2.3", [], DnsCommand.DefaultSelector, null));
        Assert.Throws<DnsRecordException>(() => DnsRecordRequest.Create("example.com", "mail_host", null, [], DnsCommand.DefaultSelector, null));
        Assert.Throws<DnsRecordException>(() => DnsRecordRequest.Create("example.com", null, null, [], "bad selector", null));
        Assert.Throws<DnsRecordException>(() => DnsRecordRequest.Create("example.com", null, null, ["spf include"], DnsCommand.DefaultSelector, null));
    }

    [Fact]
    public void Command_PrintsRecords_AndExitsZero()
    {
        var (exitCode, output, error) = Invoke("dns", "example.com", "--gateway-ip", "203.0.113.25");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Contains("IN MX    10 mail.example.com.", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_ReadsTheDkimKeyFile()
    {
        using var rsa = RSA.Create(2048);
        var keyFile = Path.Combine(Path.GetTempPath(), $"mailcloud-dkim-{Guid.NewGuid():N}.pem");
        File.WriteAllText(keyFile, rsa.ExportPkcs8PrivateKeyPem());
        try
        {
            var (exitCode, output, _) = Invoke("dns", "example.com", "--dkim-key", keyFile, "--selector", "s1");

            Assert.Equal(0, exitCode);
            Assert.Contains("s1._domainkey.example.com.", output, StringComparison.Ordinal);
            Assert.Contains("v=DKIM1; k=rsa; p=", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Theory]
    [InlineData("dns", "not a domain")]
    [InlineData("dns", "example.com", "--dkim-key", "/nonexistent/dkim.pem")]
    public void Command_BadInput_ExitsNonZero_WithAnError(params string[] args)
    {
        var (exitCode, output, error) = Invoke(args);

        Assert.NotEqual(0, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Command_WithoutDomain_IsAUsageError()
    {
        var (exitCode, _, error) = Invoke("dns");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Required argument missing", error, StringComparison.Ordinal);
    }

    private static List<string> Render(DnsRecordRequest request) => MailDnsRecords.Render(request).ToList();

    private static string Line(string name, string type, string data) => $"{name,-40} 3600 IN {type,-5} {data}";

    private static (int ExitCode, string Output, string Error) Invoke(params string[] args)
    {
        var root = new RootCommand { DnsCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
