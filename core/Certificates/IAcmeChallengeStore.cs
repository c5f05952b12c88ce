namespace MailCloud.Core.Certificates;

/// <summary>
/// HTTP-01 answers (RFC 8555 §8.3) shared between the renewal, which puts them, and the HTTP endpoint
/// the CA asks, which reads them; in Azure these are different processes.
/// </summary>
public interface IAcmeChallengeStore
{
    Task PutAsync(string token, string keyAuthorization, CancellationToken cancellationToken);

    /// <summary>The key authorization for <paramref name="token"/>, or null when none is pending.</summary>
    Task<string?> GetAsync(string token, CancellationToken cancellationToken);

    Task DeleteAsync(string token, CancellationToken cancellationToken);
}

/// <summary>RFC 8555 §8.3: a token is base64url (§8.1: "MUST NOT contain any characters outside the base64url alphabet").</summary>
public static class AcmeToken
{
    public static bool IsValid(string? token) =>
        token is { Length: > 0 and <= 256 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
