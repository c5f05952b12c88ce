using System.Web;
using MailCloud.Core.ClientSetup;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace MailCloud.Functions;

/// <summary>
/// The client-setup documents over HTTPS in Azure (autoconfig, autodiscover, the Apple profile,
/// MTA-STS): the host names autoconfig.&lt;domain&gt;, autodiscover.&lt;domain&gt; and
/// mta-sts.&lt;domain&gt; point at the function app (`mailcloud dns --web-host`). host.json
/// removes the "api/" route prefix, so the paths are the ones clients ask for.
/// </summary>
public sealed class ClientSetupFunction(ClientSetupRequests requests)
{
    [Function("ClientSetup")]
    public async Task<HttpResponseData> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", "post", Route = "{*path}")] HttpRequestData request,
        CancellationToken cancellationToken)
    {
        var host = request.Headers.TryGetValues("Host", out var hosts) ? hosts.First().Split(':')[0] : request.Url.Host;
        var answer = await requests.HandleAsync(
            new ClientSetupRequest(request.Method.ToUpperInvariant(), request.Url.AbsolutePath, host, HttpUtility.ParseQueryString(request.Url.Query)["emailaddress"], request.Body),
            cancellationToken);
        var response = request.CreateResponse((System.Net.HttpStatusCode)answer.Status);
        response.Headers.Add("Content-Type", answer.ContentType);
        if (!request.Method.Equals("HEAD", StringComparison.OrdinalIgnoreCase))
        {
            await response.WriteStringAsync(answer.Body, cancellationToken);
        }

        return response;
    }
}
