using System.Net;
using System.Security.Claims;
using System.Text;
using Azure.Storage.Blobs;
using MailCloud.Core.Certificates;
using MailCloud.Core.Certificates.Storage;
using MailCloud.Core.ClientSetup;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists;
using MailCloud.Core.Lists.Unsubscribe;
using MailCloud.Functions.Tests.Support;
using MailCloud.Testing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailCloud.Functions.Tests.Functions;

/// <summary>
/// The ClientSetup HTTP function as the Functions host calls it: what it takes from the request (the
/// Host header, the emailaddress query parameter, the body) and what it answers. The documents
/// themselves are tested over HTTP in tests/MailCloud.Cli.Tests/ClientSetupTests.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ClientSetupFunctionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Autoconfig_by_query_mta_sts_by_host_header_and_head_without_a_body()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        await host.Directory.AddDomainAsync("example.test", CancellationToken.None);
        var function = new ClientSetupFunction(
            new ClientSetupRequests(host.Directory, Options.Create(new ClientSetupOptions { MailHost = "mail.example.test" })),
            new AcmeChallengeResponder(await ChallengeStoreAsync()),
            host.Services.GetRequiredService<OneClickUnsubscribe>());

        var autoconfig = await RunAsync(function, "GET", "https://func.example.net/mail/config-v1.1.xml?emailaddress=alice%40example.test", "func.example.net");
        Assert.Equal(HttpStatusCode.OK, autoconfig.StatusCode);
        Assert.Equal("application/xml; charset=utf-8", Assert.Single(autoconfig.Headers.GetValues("Content-Type")));
        Assert.Contains("<hostname>mail.example.test</hostname>", Body(autoconfig), StringComparison.Ordinal);

        var policy = await RunAsync(function, "GET", "https://func.example.net/.well-known/mta-sts.txt", "mta-sts.example.test:443");
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
        Assert.StartsWith("version: STSv1\r\n", Body(policy), StringComparison.Ordinal);

        var head = await RunAsync(function, "HEAD", "https://func.example.net/.well-known/mta-sts.txt", "mta-sts.example.test");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("", Body(head));

        var elsewhere = await RunAsync(function, "get", "https://func.example.net/.well-known/mta-sts.txt", "mta-sts.elsewhere.example");
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);

        var unknown = await RunAsync(function, "GET", "https://func.example.net/wp-login.php", "func.example.net");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Answers_a_pending_http01_challenge_from_storage_and_404_otherwise()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        var challenges = await ChallengeStoreAsync();
        var function = new ClientSetupFunction(
            new ClientSetupRequests(host.Directory, Options.Create(new ClientSetupOptions { MailHost = "mail.example.test" })),
            new AcmeChallengeResponder(challenges),
            host.Services.GetRequiredService<OneClickUnsubscribe>());
        await challenges.PutAsync("tok_EN-1", "tok_EN-1.thumbprint", CancellationToken.None);

        var answer = await RunAsync(function, "GET", "http://mail.example.test/.well-known/acme-challenge/tok_EN-1", "mail.example.test");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("application/octet-stream", Assert.Single(answer.Headers.GetValues("Content-Type")));
        Assert.Equal("tok_EN-1.thumbprint", Body(answer));

        foreach (var path in new[] { "unknown", "tok_EN-1.x", "..%2Ftok_EN-1", "" })
        {
            var missing = await RunAsync(function, "GET", $"http://mail.example.test/.well-known/acme-challenge/{path}", "mail.example.test");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        var post = await RunAsync(function, "POST", "http://mail.example.test/.well-known/acme-challenge/tok_EN-1", "mail.example.test");
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    private async Task<BlobAcmeChallengeStore> ChallengeStoreAsync()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, $"acme{Guid.NewGuid():N}");
        await container.CreateAsync();
        return new BlobAcmeChallengeStore(container);
    }

    [Fact]
    public async Task Dispatches_one_click_unsubscribe_by_path_prefix()
    {
        await using var host = await PipelineTestHost.CreateAsync(azurite);
        await host.Directory.AddDomainAsync("example.test", CancellationToken.None);
        await host.Directory.AddListAsync("team@example.test", ["ann@elsewhere.example", "bob@elsewhere.example"], PostingPolicy.Anyone, [], CancellationToken.None);
        var function = new ClientSetupFunction(
            new ClientSetupRequests(host.Directory, Options.Create(new ClientSetupOptions { MailHost = "mail.example.test" })),
            new AcmeChallengeResponder(await ChallengeStoreAsync()),
            host.Services.GetRequiredService<OneClickUnsubscribe>());
        var list = (await host.Directory.GetSnapshotAsync(CancellationToken.None)).FindList("team@example.test")!;
        var url = new Uri(host.Services.GetRequiredService<ListLinks>().UnsubscribeUrl(list, "ann@elsewhere.example"));
        var target = $"https://func.example.net{url.AbsolutePath}";

        var page = await RunAsync(function, "GET", target, "func.example.net");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form method=\"post\">", Body(page), StringComparison.Ordinal);

        var posted = await RunAsync(function, "POST", target, "func.example.net", "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Equal(["bob@elsewhere.example"], (await host.Directory.GetSnapshotAsync(CancellationToken.None)).FindList("team@example.test")!.Members);

        var again = await RunAsync(function, "POST", target, "func.example.net", "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    private static async Task<HttpResponseData> RunAsync(ClientSetupFunction function, string method, string url, string hostHeader, string body = "", string? contentType = null)
    {
        var request = new TestRequest(new TestContext(), method, new Uri(url), new MemoryStream(Encoding.UTF8.GetBytes(body)));
        request.Headers.Add("Host", hostHeader);
        if (contentType is not null)
        {
            request.Headers.Add("Content-Type", contentType);
        }

        return await function.Run(request, CancellationToken.None);
    }

    private static string Body(HttpResponseData response) => Encoding.UTF8.GetString(((MemoryStream)response.Body).ToArray());

    private sealed class TestRequest(FunctionContext context, string method, Uri url, Stream body) : HttpRequestData(context)
    {
        public override Stream Body => body;

        public override HttpHeadersCollection Headers { get; } = [];

        public override IReadOnlyCollection<IHttpCookie> Cookies => [];

        public override Uri Url => url;

        public override IEnumerable<ClaimsIdentity> Identities => [];

        public override string Method => method;

        public override HttpResponseData CreateResponse() => new TestResponse(FunctionContext);
    }

    private sealed class TestResponse(FunctionContext context) : HttpResponseData(context)
    {
        public override HttpStatusCode StatusCode { get; set; }

        public override HttpHeadersCollection Headers { get; set; } = [];

        public override Stream Body { get; set; } = new MemoryStream();

        public override HttpCookies Cookies => throw new NotSupportedException("The function sets no cookies.");
    }

    /// <summary>The invocation context; the function reads nothing from it.</summary>
    private sealed class TestContext : FunctionContext
    {
        public override string InvocationId => "test";

        public override string FunctionId => "ClientSetup";

        public override TraceContext TraceContext => throw new NotSupportedException();

        public override BindingContext BindingContext => throw new NotSupportedException();

        public override RetryContext RetryContext => throw new NotSupportedException();

        public override IServiceProvider InstanceServices { get; set; } = null!;

        public override FunctionDefinition FunctionDefinition => throw new NotSupportedException();

        public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

        public override IInvocationFeatures Features => throw new NotSupportedException();
    }
}
