using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using MailCloud.Cli.Commands;
using MailCloud.Cli.Local;
using MailCloud.Core.ClientSetup;
using MailCloud.Core.Directory;
using MailCloud.Core.Mailboxes;
using MessageFlags = MailCloud.Core.Mailboxes.MessageFlags;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Security;
using MailCloud.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Cli.Tests;

/// <summary>The host `mailcloud dev` runs (gateway, IMAP, POP3, pipeline, client setup) on free ports, once for the class.</summary>
public sealed class DevHostFixture : IAsyncLifetime
{
    public const string Address = "alice@example.test";
    public const string Password = "correct horse";

    private readonly AzuriteFixture _azurite = new();
    private readonly string _certificatePath = Path.Combine(Path.GetTempPath(), $"mailcloud-test-{Guid.NewGuid():N}.pfx");

    public WebApplication App { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        using (var certificate = SelfSignedCertificate.Create("localhost"))
        {
            SelfSignedCertificate.SavePfx(certificate, _certificatePath);
        }

        var listeners = DefaultListeners.Copy(DefaultListeners.Dev);
        listeners.ForEach(l => l.Port = FreePorts.Next());
        var healthPort = FreePorts.Next();
        var settings = _azurite.CreateIsolatedSettings();
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Gateway:HostName"] = "localhost";
        settings["Gateway:Tls:CertificatePath"] = _certificatePath;
        settings["Gateway:HealthAddress"] = "127.0.0.1";
        settings["Gateway:HealthPort"] = healthPort.ToString(CultureInfo.InvariantCulture);
        settings["Queueing:Transport"] = "StorageQueues";
        settings["Pipeline:HostName"] = "localhost";
        settings["Pipeline:SrsSecret"] = "0123456789abcdef0123456789abcdef";
        settings["ClientSetup:MailHost"] = "127.0.0.1";
        foreach (var (option, listener) in new[] { ("ImapsPort", ListenerNames.Imaps), ("ImapPort", ListenerNames.Imap), ("Pop3sPort", ListenerNames.Pop3s), ("Pop3Port", ListenerNames.Pop3), ("SubmissionsPort", ListenerNames.Submissions), ("SubmissionPort", ListenerNames.Submission) })
        {
            settings[$"ClientSetup:{option}"] = listeners.Single(l => l.Name == listener).Port.ToString(CultureInfo.InvariantCulture);
        }

        App = DevCommand.BuildApp(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), listeners);
        await StoragePreparation.EnsureAsync(App.Services, CancellationToken.None);
        var directory = App.Services.GetRequiredService<IMailDirectory>();
        await directory.AddDomainAsync("example.test", CancellationToken.None);
        await directory.AddAccountAsync(Address, Password, displayName: null, quotaBytes: null, CancellationToken.None);
        await App.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{healthPort}") };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        File.Delete(_certificatePath);
        await _azurite.DisposeAsync();
    }

}


/// <summary>
/// The client-setup documents on local mode's HTTP port (the host `mailcloud dev` runs, on free
/// ports): fetched over HTTP, parsed by real parsers, and a real IMAP client configured from
/// nothing but the autoconfig document.
/// </summary>
public sealed class ClientSetupTests(DevHostFixture host) : IClassFixture<DevHostFixture>
{
    private const string Address = DevHostFixture.Address;
    private const string Password = DevHostFixture.Password;
    private readonly WebApplication _app = host.App;
    private readonly HttpClient _http = host.Http;

    [Fact]
    public async Task An_imap_client_configured_only_from_autoconfig_reads_the_mailbox()
    {
        var account = await _app.Services.GetRequiredService<IMailDirectory>().AuthenticateAsync(Address, Password, CancellationToken.None);
        await using (var message = new MemoryStream(Encoding.ASCII.GetBytes("From: bob@example.test\r\nSubject: configured\r\n\r\nHi.\r\n")))
        {
            await _app.Services.GetRequiredService<IMailboxStore>().AppendAsync(account!.Id, "INBOX", message, new MessageFlags(SystemFlags.None, new HashSet<string>()), DateTimeOffset.UtcNow, null, CancellationToken.None);
        }

        using var response = await _http.GetAsync($"/mail/config-v1.1.xml?emailaddress={Uri.EscapeDataString(Address)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        var provider = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.Element("emailProvider")!;
        Assert.Equal("example.test", provider.Element("domain")!.Value);

        // The first IMAP server is the one a client takes: implicit TLS (RFC 8314).
        var imap = provider.Elements("incomingServer").First(s => (string?)s.Attribute("type") == "imap");
        Assert.Equal("SSL", imap.Element("socketType")!.Value);
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync(imap.Element("hostname")!.Value, int.Parse(imap.Element("port")!.Value, CultureInfo.InvariantCulture), SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync(imap.Element("username")!.Value.Replace("%EMAILADDRESS%", Address, StringComparison.Ordinal), Password);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal("configured", (await client.Inbox.GetMessageAsync(0)).Subject);

        Assert.Equal(
            ["imap SSL", "imap STARTTLS", "pop3 SSL", "pop3 STARTTLS"],
            provider.Elements("incomingServer").Select(s => $"{s.Attribute("type")!.Value} {s.Element("socketType")!.Value}"));
        Assert.Equal(["smtp SSL", "smtp STARTTLS"], provider.Elements("outgoingServer").Select(s => $"{s.Attribute("type")!.Value} {s.Element("socketType")!.Value}"));
    }

    [Theory]
    [InlineData("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=bob%40example.test", "localhost", HttpStatusCode.OK)]
    [InlineData("/mail/config-v1.1.xml", "autoconfig.example.test", HttpStatusCode.OK)]
    [InlineData("/mail/config-v1.1.xml", "localhost", HttpStatusCode.NotFound)]
    [InlineData("/mail/config-v1.1.xml?emailaddress=eve%40elsewhere.example", "localhost", HttpStatusCode.NotFound)]
    [InlineData("/mail/config-v1.1.xml?emailaddress=not-an-address", "localhost", HttpStatusCode.BadRequest)]
    [InlineData("/mail/profile.mobileconfig", "localhost", HttpStatusCode.BadRequest)]
    [InlineData("/.well-known/mta-sts.txt", "mta-sts.elsewhere.example", HttpStatusCode.NotFound)]
    [InlineData("/.well-known/mta-sts.txt", "localhost", HttpStatusCode.NotFound)]
    public async Task Documents_are_served_only_for_hosted_domains(string path, string host, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        using var response = await _http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Autodiscover_answers_outlooks_pox_request_with_imap_and_smtp_over_tls()
    {
        const string body = """
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
              <Request>
                <EMailAddress>alice@example.test</EMailAddress>
                <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
              </Request>
            </Autodiscover>
            """;
        using var response = await _http.PostAsync("/autodiscover/autodiscover.xml", new StringContent(body, Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        XNamespace ns = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";
        var account = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.Element(ns + "Response")!.Element(ns + "Account")!;
        Assert.Equal("settings", account.Element(ns + "Action")!.Value);
        var protocols = account.Elements(ns + "Protocol").ToList();
        Assert.Equal(["IMAP", "SMTP"], protocols.Select(p => p.Element(ns + "Type")!.Value));
        Assert.All(protocols, p =>
        {
            Assert.Equal("127.0.0.1", p.Element(ns + "Server")!.Value);
            Assert.Equal(Address, p.Element(ns + "LoginName")!.Value);
            Assert.Equal("on", p.Element(ns + "SSL")!.Value);
        });
    }

    [Theory]
    [InlineData("not xml at all")]
    [InlineData("<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request/></Autodiscover>")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>&e;</EMailAddress></Request></Autodiscover>")]
    public async Task Autodiscover_refuses_what_is_not_a_request_and_never_resolves_entities(string body)
    {
        using var response = await _http.PostAsync("/autodiscover/autodiscover.xml", new StringContent(body, Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Autodiscover_for_a_domain_not_hosted_here_is_not_found()
    {
        const string body = "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006\"><Request><EMailAddress>eve@elsewhere.example</EMailAddress></Request></Autodiscover>";
        using var response = await _http.PostAsync("/autodiscover/autodiscover.xml", new StringContent(body, Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Autodiscover_refuses_a_body_past_its_limit_and_a_get()
    {
        using var large = await _http.PostAsync("/autodiscover/autodiscover.xml", new StringContent("<a>" + new string('x', 64 * 1024) + "</a>", Encoding.UTF8, "text/xml"));
        Assert.Equal(HttpStatusCode.BadRequest, large.StatusCode);
        using var get = await _http.GetAsync("/autodiscover/autodiscover.xml");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    [Fact]
    public async Task The_apple_profile_is_a_property_list_python_reads()
    {
        using var response = await _http.GetAsync($"/mail/profile.mobileconfig?emailaddress={Uri.EscapeDataString(Address)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-apple-aspen-config", response.Content.Headers.ContentType?.MediaType);
        var profile = await response.Content.ReadAsStringAsync();

        // plistlib is a real property-list parser; it prints the fields a device reads.
        const string Script = """
            import plistlib, sys
            p = plistlib.loads(sys.stdin.buffer.read())
            m = p['PayloadContent'][0]
            print(p['PayloadType'], m['PayloadType'], m['EmailAccountType'], m['EmailAddress'])
            print(m['IncomingMailServerHostName'], m['IncomingMailServerPortNumber'], m['IncomingMailServerUseSSL'])
            print(m['OutgoingMailServerPortNumber'], m['OutgoingMailServerUseSSL'], m['OutgoingPasswordSameAsIncomingPassword'])
            print(p['PayloadUUID'] != m['PayloadUUID'])
            """;
        var (exitCode, output) = await Processes.RunAsync(await Peers.RequireAsync("python3"), ["-c", Script], standardInput: profile);
        Assert.True(exitCode == 0, output);
        var options = _app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClientSetupOptions>>().Value;
        Assert.Equal(
            $"Configuration com.apple.mail.managed EmailTypeIMAP {Address}\n127.0.0.1 {options.ImapsPort} True\n{options.SubmissionsPort} True True\nTrue\n",
            output);

        // Downloaded again, the same profile (same UUIDs), so the device replaces it rather than adding a second.
        Assert.Equal(profile, await _http.GetStringAsync($"/mail/profile.mobileconfig?emailaddress={Uri.EscapeDataString(Address)}"));
    }

    [Fact]
    public async Task The_mta_sts_policy_is_served_at_the_mta_sts_host_with_crlf_lines()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/mta-sts.txt");
        request.Headers.Host = "mta-sts.example.test";
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("version: STSv1\r\nmode: testing\r\nmx: 127.0.0.1\r\nmax_age: 604800\r\n", await response.Content.ReadAsStringAsync());
    }
}
