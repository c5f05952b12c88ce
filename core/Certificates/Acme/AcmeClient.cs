using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Certificates.Acme;

/// <summary>
/// An RFC 8555 client for one account key: every request after the directory is a JWS-signed POST
/// (POST-as-GET for reads, §6.3) carrying a fresh nonce (§6.5). Error documents become
/// <see cref="AcmeProblemException"/>; a badNonce is retried with the nonce that came with it (§6.5).
/// </summary>
public sealed partial class AcmeClient(HttpClient http, Uri directoryUrl, AcmeJws key, ILogger logger)
{
    /// <summary>How many badNonce answers in a row one request survives (Pebble rejects a share of valid nonces on purpose).</summary>
    public const int MaxBadNonceRetries = 5;

    private static readonly MediaTypeHeaderValue JoseJson = new("application/jose+json");
    private readonly SemaphoreSlim _nonceLock = new(1, 1);
    private AcmeDirectory? _directory;
    private string? _nonce;

    /// <summary>The account URL (the "kid"), once <see cref="EnsureAccountAsync"/> has run.</summary>
    public Uri? AccountUrl { get; private set; }

    public async Task<AcmeDirectory> GetDirectoryAsync(CancellationToken cancellationToken)
    {
        if (_directory is { } known)
        {
            return known;
        }

        using var response = await http.GetAsync(directoryUrl, cancellationToken).ConfigureAwait(false);
        await ThrowIfProblemAsync(response, directoryUrl, cancellationToken).ConfigureAwait(false);
        _directory = await response.Content.ReadFromJsonAsync<AcmeDirectory>(AcmeJson.Options, cancellationToken).ConfigureAwait(false)
            ?? throw new AcmeProtocolException($"The ACME directory at {directoryUrl} is empty.");
        return _directory;
    }

    /// <summary>
    /// Finds or creates the account for this key (RFC 8555 §7.3): newAccount answers 201 for a new
    /// account and 200 for an existing one, both with the account URL in Location. Agrees to the terms
    /// of service: enabling ACME is the operator's agreement.
    /// </summary>
    public async Task<Uri> EnsureAccountAsync(string contactEmail, CancellationToken cancellationToken)
    {
        var directory = await GetDirectoryAsync(cancellationToken).ConfigureAwait(false);
        if (directory.Meta?.ExternalAccountRequired == true)
        {
            throw new AcmeProtocolException($"The ACME server at {directoryUrl} requires external account binding (RFC 8555 §7.3.4), which MailCloud does not support.");
        }

        using var response = await PostAsync(directory.NewAccount, new { termsOfServiceAgreed = true, contact = new[] { $"mailto:{contactEmail}" } }, cancellationToken).ConfigureAwait(false);
        AccountUrl = response.Headers.Location ?? throw new AcmeProtocolException("newAccount answered without a Location header (RFC 8555 §7.3).");
        LogAccount(AccountUrl, response.StatusCode == HttpStatusCode.Created);
        return AccountUrl;
    }

    /// <summary>RFC 8555 §7.4: a new order for DNS names.</summary>
    public async Task<AcmeOrderHandle> NewOrderAsync(IEnumerable<string> dnsNames, CancellationToken cancellationToken)
    {
        var directory = await GetDirectoryAsync(cancellationToken).ConfigureAwait(false);
        using var response = await PostAsync(directory.NewOrder, new { identifiers = dnsNames.Select(AcmeIdentifier.Dns).ToArray() }, cancellationToken).ConfigureAwait(false);
        var url = response.Headers.Location ?? throw new AcmeProtocolException("newOrder answered without a Location header (RFC 8555 §7.4).");
        return new AcmeOrderHandle(url, await ReadAsync<AcmeOrder>(response, cancellationToken).ConfigureAwait(false));
    }

    public Task<AcmeOrder> GetOrderAsync(Uri url, CancellationToken cancellationToken) => PostAsGetAsync<AcmeOrder>(url, cancellationToken);

    public Task<AcmeAuthorization> GetAuthorizationAsync(Uri url, CancellationToken cancellationToken) => PostAsGetAsync<AcmeAuthorization>(url, cancellationToken);

    /// <summary>RFC 8555 §7.5.1: tells the server the challenge's response is in place (an empty JSON object).</summary>
    public async Task<AcmeChallenge> RespondAsync(Uri challengeUrl, CancellationToken cancellationToken)
    {
        using var response = await PostAsync(challengeUrl, new { }, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<AcmeChallenge>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RFC 8555 §7.4: sends the CSR (DER) to the order's finalize URL.</summary>
    public async Task<AcmeOrder> FinalizeAsync(Uri finalizeUrl, ReadOnlyMemory<byte> csr, CancellationToken cancellationToken)
    {
        using var response = await PostAsync(finalizeUrl, new { csr = System.Buffers.Text.Base64Url.EncodeToString(csr.Span) }, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<AcmeOrder>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RFC 8555 §7.4.2: the certificate chain as PEM, leaf first.</summary>
    public async Task<string> DownloadCertificateAsync(Uri certificateUrl, CancellationToken cancellationToken)
    {
        using var response = await PostAsync(certificateUrl, payload: null, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> PostAsGetAsync<T>(Uri url, CancellationToken cancellationToken)
    {
        using var response = await PostAsync(url, payload: null, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> PostAsync(Uri url, object? payload, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var nonce = await TakeNonceAsync(cancellationToken).ConfigureAwait(false);
            using var content = new ByteArrayContent(key.Sign(url, nonce, AccountUrl, payload));
            content.Headers.ContentType = JoseJson;
            var response = await http.PostAsync(url, content, cancellationToken).ConfigureAwait(false);
            KeepNonce(response);
            try
            {
                await ThrowIfProblemAsync(response, url, cancellationToken).ConfigureAwait(false);
                return response;
            }
            catch (AcmeProblemException ex) when (ex.Problem.ShortType == "badNonce" && attempt < MaxBadNonceRetries)
            {
                // RFC 8555 §6.5: the error answer carries a fresh nonce; retry with it.
                response.Dispose();
                LogBadNonce(url, attempt + 1);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }

    private async Task<string> TakeNonceAsync(CancellationToken cancellationToken)
    {
        await _nonceLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_nonce is { } kept)
            {
                _nonce = null;
                return kept;
            }
        }
        finally
        {
            _nonceLock.Release();
        }

        // RFC 8555 §7.2: HEAD newNonce.
        var directory = await GetDirectoryAsync(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Head, directory.NewNonce);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await ThrowIfProblemAsync(response, directory.NewNonce, cancellationToken).ConfigureAwait(false);
        return NonceOf(response) ?? throw new AcmeProtocolException("newNonce answered without a Replay-Nonce header (RFC 8555 §7.2).");
    }

    private void KeepNonce(HttpResponseMessage response)
    {
        if (NonceOf(response) is { } nonce)
        {
            _nonceLock.Wait();
            _nonce = nonce;
            _nonceLock.Release();
        }
    }

    private static string? NonceOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Replay-Nonce", out var values) ? values.FirstOrDefault() : null;

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(AcmeJson.Options, cancellationToken).ConfigureAwait(false)
                ?? throw new AcmeProtocolException($"{typeof(T).Name} answer from {response.RequestMessage?.RequestUri} is empty.");
        }
        catch (JsonException ex)
        {
            throw new AcmeProtocolException($"{typeof(T).Name} answer from {response.RequestMessage?.RequestUri} is not valid: {ex.Message}");
        }
    }

    private static async Task ThrowIfProblemAsync(HttpResponseMessage response, Uri url, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        AcmeProblem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync<AcmeProblem>(AcmeJson.Options, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                // Not a readable problem document: reported by status below.
            }
        }

        throw new AcmeProblemException(problem ?? new AcmeProblem(null, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", (int)response.StatusCode, null, null), url);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ACME account {Account} ({New})")]
    private partial void LogAccountCore(Uri account, string @new);

    private void LogAccount(Uri account, bool created) => LogAccountCore(account, created ? "created" : "existing");

    [LoggerMessage(Level = LogLevel.Debug, Message = "ACME server refused the nonce for {Url}; retry {Attempt}")]
    private partial void LogBadNonce(Uri url, int attempt);
}
