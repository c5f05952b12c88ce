using Azure.Storage.Blobs;
using MailCloud.Core.Certificates;
using MailCloud.Core.Certificates.Storage;
using MailCloud.Gateway.Security;
using MailCloud.Testing;

namespace MailCloud.Cli.Tests;

/// <summary>
/// <c>mailcloud certificate show|renew</c> as an operator runs them, against the blob certificate store on
/// Azurite. (Issuance itself is tested against Pebble in tests/MailCloud.Gateway.Tests/Security.)
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CertificateCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Show_names_the_stored_certificate_and_says_when_it_is_due()
    {
        var (cli, container) = await CreateAsync();
        var missing = await cli.RunAsync("certificate", "show");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("error: no certificate 'gateway-tls' is stored.", missing.Error.Trim());

        using var certificate = SelfSignedCertificate.Create("mail.example.test", TimeSpan.FromDays(90));
        await new BlobCertificateStore(container).SaveCertificateAsync("gateway-tls", certificate, [], CancellationToken.None);

        var shown = await cli.RunAsync("certificate", "show");
        Assert.True(shown.ExitCode == 0, shown.Error);
        var fields = shown.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToDictionary(f => f[0], f => f[1]);
        Assert.Equal("CN=mail.example.test", fields["subject"]);
        Assert.Equal("mail.example.test, localhost", fields["dns names"]);
        Assert.Equal(certificate.Thumbprint, fields["thumbprint"]);
        // Two thirds into the 90 days (and the five minutes SelfSignedCertificate backdates).
        Assert.Equal(RenewalPolicy.RenewalTime(certificate).ToString("u", System.Globalization.CultureInfo.InvariantCulture), fields["renewal due"]);
        Assert.True(RenewalPolicy.RenewalTime(certificate) < certificate.NotAfter.ToUniversalTime().AddDays(-29));
    }

    [Fact]
    public async Task Renew_refuses_when_acme_is_off_and_names_each_bad_setting_when_on()
    {
        var (cli, _) = await CreateAsync();
        var off = await cli.RunAsync("certificate", "renew");
        Assert.Equal(1, off.ExitCode);
        Assert.Equal("error: ACME is not enabled (Acme:Enabled).", off.Error.Trim());

        var (badCli, _) = await CreateAsync(new Dictionary<string, string> { ["Acme__Enabled"] = "true", ["Acme__DirectoryUrl"] = "http://acme.example/dir" });
        var bad = await badCli.RunAsync("certificate", "renew", "--force");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("Acme:DirectoryUrl must be an absolute https URL.", bad.Error, StringComparison.Ordinal);
        Assert.Contains("Acme:ContactEmail must be one plain email address.", bad.Error, StringComparison.Ordinal);
        Assert.Contains("Acme:HostNames must name at least one host.", bad.Error, StringComparison.Ordinal);
    }

    private async Task<(MailCloudProcess Cli, BlobContainerClient Container)> CreateAsync(Dictionary<string, string>? environment = null)
    {
        var storage = azurite.CreateStorageOptions();
        var container = new BlobContainerClient(azurite.ConnectionString, storage.DirectoryContainer.Replace("-directory", "-acme", StringComparison.Ordinal));
        await container.CreateIfNotExistsAsync();
        var settings = new Dictionary<string, string>(environment ?? []) { ["Certificates__Container"] = container.Name };
        return (new MailCloudProcess(storage, settings), container);
    }
}
