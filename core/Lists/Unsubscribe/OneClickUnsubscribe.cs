using System.Net;
using System.Text;
using MailCloud.Core.Addresses;
using MailCloud.Core.ClientSetup;
using MailCloud.Core.Directory;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace MailCloud.Core.Lists.Unsubscribe;

/// <summary>One request to a one-click unsubscribe URL, as either HTTP surface received it.</summary>
/// <param name="Method">GET, HEAD or POST.</param>
/// <param name="Path">The URL path: <c>/lists/unsubscribe/&lt;list address&gt;/&lt;token&gt;</c> (escaped or not).</param>
/// <param name="ContentType">The request's Content-Type, for a POST.</param>
/// <param name="Body">The request body.</param>
public sealed record OneClickRequest(string Method, string Path, string? ContentType, Stream Body);

/// <summary>
/// One-click unsubscribe (RFC 8058) behind both HTTP surfaces (the HTTP-triggered function in Azure, the local
/// HTTP port of <c>mailcloud dev</c>): a POST whose body is <c>List-Unsubscribe=One-Click</c> removes the member
/// the token names. A GET only shows a page whose button POSTs: link scanners and mail-client previews fetch
/// URLs, and must never unsubscribe anyone (RFC 8058 §3.1). An unknown list, a bad token or a member already
/// gone all answer 404 alike, so the URL tells a guesser nothing.
/// </summary>
public sealed partial class OneClickUnsubscribe(IMailDirectory directory, ListTokens tokens, ILogger<OneClickUnsubscribe> logger)
{
    /// <summary>RFC 8058 §3.1's body is 26 octets; a form with a few more fields is still small.</summary>
    private const int MaxBodyLength = 16 * 1024;

    private const string Html = "text/html; charset=utf-8";

    public static bool Handles(string path) => path.StartsWith(ListLinks.UnsubscribePath, StringComparison.OrdinalIgnoreCase);

    public async Task<ClientSetupResponse> HandleAsync(OneClickRequest request, CancellationToken cancellationToken)
    {
        if (request.Method is not ("GET" or "HEAD" or "POST"))
        {
            return ClientSetupResponse.Error(405, "Method not allowed.");
        }

        if (!TryParsePath(request.Path, out var listAddress, out var token))
        {
            return NotFound();
        }

        var snapshot = await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (snapshot.FindList(listAddress) is not { } list || tokens.FindMember(ListTokenPurpose.Unsubscribe, list, token) is not { } member)
        {
            return NotFound();
        }

        if (request.Method is not "POST")
        {
            return ClientSetupResponse.Ok(Html, ConfirmationPage(list.Address));
        }

        if (!await IsOneClickAsync(request, cancellationToken).ConfigureAwait(false))
        {
            return ClientSetupResponse.Error(400, "The body must be List-Unsubscribe=One-Click (RFC 8058).");
        }

        try
        {
            var key = EmailAddress.Parse(member).Key;
            await directory.UpdateListAsync(list.Address, current =>
                current with { Members = [.. current.Members.Where(m => EmailAddress.Parse(m).Key != key)] },
                cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryException)
        {
            // The list went away between the snapshot and the change.
            return NotFound();
        }

        LogUnsubscribed(list.Address, member);
        return ClientSetupResponse.Ok(Html, Page("Unsubscribed", $"<p>You have left the list {Encode(list.Address)}. You will receive no more of its mail.</p>"));
    }

    private static ClientSetupResponse NotFound() => ClientSetupResponse.Error(404, "Not found.");

    private static bool TryParsePath(string path, out string listAddress, out string token)
    {
        listAddress = token = "";
        if (!Handles(path))
        {
            return false;
        }

        var rest = path[ListLinks.UnsubscribePath.Length..];
        var slash = rest.LastIndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        token = rest[(slash + 1)..];
        listAddress = Uri.UnescapeDataString(rest[..slash]);
        return ListTokens.IsWellFormed(token) && EmailAddress.TryParse(listAddress, out _);
    }

    /// <summary>RFC 8058 §3.1: the POST carries List-Unsubscribe=One-Click, form-urlencoded or multipart/form-data.</summary>
    private static async Task<bool> IsOneClickAsync(OneClickRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentType is null || !MimeKit.ContentType.TryParse(request.ContentType, out var contentType))
        {
            return false;
        }

        using var body = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (body.Length + read > MaxBodyLength)
            {
                return false;
            }

            body.Write(buffer, 0, read);
        }

        body.Position = 0;
        if (contentType.IsMimeType("application", "x-www-form-urlencoded"))
        {
            return Encoding.ASCII.GetString(body.ToArray()).Split('&').Any(pair => pair.Split('=', 2) is [var name, var value]
                && WebUtility.UrlDecode(name) == "List-Unsubscribe" && WebUtility.UrlDecode(value).Trim() == "One-Click");
        }

        if (contentType.IsMimeType("multipart", "form-data"))
        {
            var entity = await MimeEntity.LoadAsync(contentType, body, cancellationToken).ConfigureAwait(false);
            return entity is Multipart parts && parts.OfType<TextPart>().Any(part =>
                part.ContentDisposition?.Parameters["name"] == "List-Unsubscribe" && part.Text.Trim() == "One-Click");
        }

        return false;
    }

    private static string ConfirmationPage(string listAddress) =>
        Page("Unsubscribe", $"""
            <p>Leave the list {Encode(listAddress)}?</p>
            <form method="post">
              <input type="hidden" name="List-Unsubscribe" value="One-Click">
              <button type="submit">Unsubscribe</button>
            </form>
            """);

    private static string Page(string title, string body) =>
        $"""
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="robots" content="noindex"><title>{title}</title></head>
        <body>
        {body}
        </body>
        </html>

        """;

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Member} left {List} by one-click unsubscribe")]
    private partial void LogUnsubscribed(string list, string member);
}
