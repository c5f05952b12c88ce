using MailCloud.Core.Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Gateway.Hosting;

/// <summary>
/// GET /.well-known/acme-challenge/&lt;token&gt; on the gateway's HTTP port (RFC 8555 §8.3): the CA's
/// HTTP-01 request for the mail host's name, which points at the gateway (locally `mailcloud dev`'s
/// port 2080; in Azure the load balancer's port 80). Unknown and malformed tokens are 404.
/// </summary>
public static class AcmeChallengeEndpoint
{
    public static IEndpointRouteBuilder MapAcmeChallenge(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AcmeChallengeResponder.RouteTemplate, async (string token, HttpContext context) =>
        {
            var answer = await context.RequestServices.GetRequiredService<AcmeChallengeResponder>().AnswerAsync(token, context.RequestAborted);
            return answer is null ? Results.NotFound() : Results.Text(answer, AcmeChallengeResponder.ContentType);
        });
        return endpoints;
    }
}
