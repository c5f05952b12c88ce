using MailCloud.Core.Certificates;

namespace MailCloud.Core.Tests.Certificates;

/// <summary>Acme options are validated at start when ACME is on, and need nothing when it is off (local mode's default).</summary>
public sealed class AcmeOptionsTests
{
    private static AcmeOptions Valid() => new()
    {
        Enabled = true,
        DirectoryUrl = new Uri("https://acme.example/directory"),
        ContactEmail = "postmaster@example.com",
        HostNames = ["mail.example.com"],
    };

    [Fact]
    public void Off_needs_nothing_and_a_complete_setting_passes()
    {
        Assert.True(new AcmeOptionsValidator().Validate(null, new AcmeOptions()).Succeeded);
        Assert.True(new AcmeOptionsValidator().Validate(null, Valid()).Succeeded);
    }

    [Theory]
    [InlineData("directory", "http://acme.example/directory", "Acme:DirectoryUrl must be an absolute https URL.")]
    [InlineData("contact", "Postmaster <postmaster@example.com>", "Acme:ContactEmail must be one plain email address.")]
    [InlineData("contact", "", "Acme:ContactEmail must be one plain email address.")]
    [InlineData("host", "*.example.com", "Acme:HostNames: '*.example.com' is not a DNS name (HTTP-01 cannot validate wildcards or IP addresses).")]
    [InlineData("host", "192.0.2.1", "Acme:HostNames: '192.0.2.1' is not a DNS name (HTTP-01 cannot validate wildcards or IP addresses).")]
    [InlineData("host", "-bad.example.com", "Acme:HostNames: '-bad.example.com' is not a DNS name (HTTP-01 cannot validate wildcards or IP addresses).")]
    [InlineData("host", "localhost", "Acme:HostNames: 'localhost' is not a DNS name (HTTP-01 cannot validate wildcards or IP addresses).")]
    [InlineData("name", "gateway_tls", "Acme:CertificateName must be letters, digits and hyphens (at most 127).")]
    [InlineData("root", "/nonexistent/root.pem", "Acme:DirectoryTrustedRootPath '/nonexistent/root.pem' does not exist.")]
    public void Each_bad_setting_is_named(string field, string value, string expected)
    {
        var options = Valid();
        switch (field)
        {
            case "directory": options.DirectoryUrl = new Uri(value); break;
            case "contact": options.ContactEmail = value; break;
            case "host": options.HostNames = [value]; break;
            case "name": options.CertificateName = value; break;
            case "root": options.DirectoryTrustedRootPath = value; break;
        }

        var result = new AcmeOptionsValidator().Validate(null, options);
        Assert.Equal([expected], result.Failures);
    }

    [Fact]
    public void No_host_a_duplicate_host_and_a_poll_longer_than_the_timeout_are_refused()
    {
        var none = Valid();
        none.HostNames = [];
        Assert.Equal(["Acme:HostNames must name at least one host."], new AcmeOptionsValidator().Validate(null, none).Failures);

        var twice = Valid();
        twice.HostNames = ["mail.example.com", "MAIL.example.com"];
        Assert.Equal(["Acme:HostNames lists a name twice."], new AcmeOptionsValidator().Validate(null, twice).Failures);

        var slow = Valid();
        slow.PollInterval = TimeSpan.FromMinutes(10);
        Assert.Single(new AcmeOptionsValidator().Validate(null, slow).Failures!);
    }
}
