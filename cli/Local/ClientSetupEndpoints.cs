using MailCloud.Core.ClientSetup;
using MailCloud.Core.Lists;
using MailCloud.Core.Lists.Unsubscribe;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Cli.Local;

/// <summary>
/// Local mode's HTTP surface for <see cref="ClientSetupRequests"/> and <see cref="OneClickUnsubscribe"/>, on the gateway's HTTP port beside
/// /healthz (in Azure the same requests reach an HTTP-triggered function).
/// </summary>
public static class ClientSetupEndpoints
{
    public static IEndpointRouteBuilder MapClientSetup(this IEndpointRouteBuilder endpoints)
    {
        foreach (var path in ClientSetupRequests.Paths)
        {
            endpoints.MapMethods(path, [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post], AnswerAsync);
        }

        endpoints.MapMethods(ListLinks.UnsubscribePath + "{**rest}", [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post], AnswerUnsubscribeAsync);

        return endpoints;
    }

    private static async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        var answer = await context.RequestServices.GetRequiredService<ClientSetupRequests>().HandleAsync(
            new ClientSetupRequest(request.Method, request.Path.Value ?? "/", request.Host.Host, request.Query["emailaddress"].FirstOrDefault(), request.Body),
            context.RequestAborted);
        await WriteAsync(context, answer);
    }

    /// <summary>RFC 8058 one-click unsubscribe, the URL ListLinks puts in List-Unsubscribe.</summary>
    private static async Task AnswerUnsubscribeAsync(HttpContext context)
    {
        var request = context.Request;
        var answer = await context.RequestServices.GetRequiredService<OneClickUnsubscribe>().HandleAsync(
            new OneClickRequest(request.Method, request.Path.Value ?? "/", request.ContentType, request.Body),
            context.RequestAborted);
        await WriteAsync(context, answer);
    }

    private static async Task WriteAsync(HttpContext context, ClientSetupResponse answer)
    {
        var request = context.Request;
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        if (!HttpMethods.IsHead(request.Method))
        {
            await context.Response.WriteAsync(answer.Body, context.RequestAborted);
        }
    }
}
