namespace MailCloud.Core.Certificates;

/// <summary>
/// Answers the CA's HTTP-01 request, GET /.well-known/acme-challenge/&lt;token&gt; (RFC 8555 §8.3), from
/// <see cref="IAcmeChallengeStore"/>. The HTTP surfaces (the gateway's HTTP port, the Functions HTTP
/// trigger) only map the path onto this.
/// </summary>
public sealed class AcmeChallengeResponder(IAcmeChallengeStore challenges)
{
    public const string PathPrefix = "/.well-known/acme-challenge/";

    /// <summary>The route template for the path, as ASP.NET Core writes it.</summary>
    public const string RouteTemplate = "/.well-known/acme-challenge/{token}";

    /// <summary>RFC 8555 §8.3: the body is the key authorization, as ASCII; the CA accepts application/octet-stream.</summary>
    public const string ContentType = "application/octet-stream";

    public static bool IsChallengePath(string path) => path.StartsWith(PathPrefix, StringComparison.Ordinal);

    /// <summary>The key authorization for the token, or null (answer 404) for an unknown or malformed token.</summary>
    public async Task<string?> AnswerAsync(string token, CancellationToken cancellationToken) =>
        AcmeToken.IsValid(token) ? await challenges.GetAsync(token, cancellationToken).ConfigureAwait(false) : null;
}
