using System.Web;
using MailCloud.Core.Certificates;
using MailCloud.Core.ClientSetup;
using MailCloud.Core.Lists.Unsubscribe;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace MailCloud.Functions;

/// <summary>
/// The client-setup documents over HTTPS in Azure (autoconfig, autodiscover, the Apple profile,
/// MTA-STS): the host names autoconfig.&lt;domain&gt;, autodiscover.&lt;domain&gt; and
/// mta-sts.&lt;domain&gt; point at the function app (`mailcloud dns --web-host`). host.json
/// removes the "api/" route prefix, so the paths are the ones clients ask for. The same trigger
/// answers HTTP-01 challenges (/.well-known/acme-challenge/&lt;token&gt;) for names that point here, and
/// one-click unsubscribes (RFC 8058) under /lists/unsubscribe/, the URL list mail carries.
/// </summary>
public sealed class ClientSetupFunction(ClientSetupRequests requests, AcmeChallengeResponder challenges, OneClickUnsubscribe unsubscribe)
{
    [Function("ClientSetup")]
    public async Task<HttpResponseData> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", "post", Route = "{*path}")] HttpRequestData request,
        CancellationToken cancellationToken)
    {
        if (AcmeChallengeResponder.IsChallengePath(request.Url.AbsolutePath))
        {
            return await AnswerChallengeAsync(request, cancellationToken);
        }

        var host = request.Headers.TryGetValues("Host", out var hosts) ? hosts.First().Split(':')[0] : request.Url.Host;
        var answer = OneClickUnsubscribe.Handles(request.Url.AbsolutePath)
            ? await unsubscribe.HandleAsync(
                new OneClickRequest(request.Method.ToUpperInvariant(), request.Url.AbsolutePath, request.Headers.TryGetValues("Content-Type", out var types) ? types.First() : null, request.Body),
                cancellationToken)
            : await requests.HandleAsync(
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

    private async Task<HttpResponseData> AnswerChallengeAsync(HttpRequestData request, CancellationToken cancellationToken)
    {
        var token = request.Url.AbsolutePath[AcmeChallengeResponder.PathPrefix.Length..];
        var answer = request.Method.Equals("GET", StringComparison.OrdinalIgnoreCase)
            ? await challenges.AnswerAsync(token, cancellationToken)
            : null;
        var response = request.CreateResponse(answer is null ? System.Net.HttpStatusCode.NotFound : System.Net.HttpStatusCode.OK);
        if (answer is not null)
        {
            response.Headers.Add("Content-Type", AcmeChallengeResponder.ContentType);
            await response.WriteStringAsync(answer, cancellationToken);
        }

        return response;
    }
}
