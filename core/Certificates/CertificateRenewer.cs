using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailCloud.Core.Certificates.Acme;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Certificates;

/// <summary>What one renewal check did.</summary>
public sealed record RenewalResult(bool Renewed, DateTimeOffset NotAfter, string Thumbprint);

/// <summary>
/// Obtains the mail host's certificate by ACME when <see cref="RenewalPolicy"/> says it is due: account
/// (key kept in the certificate store), order, HTTP-01 for every name (answers put where the HTTP
/// endpoint reads them, removed after), finalize with a fresh key, download, store. Gateways pick the new
/// version up from the store.
/// </summary>
public sealed partial class CertificateRenewer(
    IOptions<AcmeOptions> options,
    ICertificateStore certificates,
    IAcmeChallengeStore challenges,
    AcmeHttpClient http,
    TimeProvider time,
    ILogger<CertificateRenewer> logger)
{
    private readonly AcmeOptions _options = options.Value;

    /// <summary>Renews when due, or always with <paramref name="force"/>.</summary>
    public async Task<RenewalResult> RenewIfDueAsync(bool force, CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            throw new InvalidOperationException("ACME is not enabled (Acme:Enabled).");
        }

        using (var current = await certificates.GetCertificateAsync(_options.CertificateName, cancellationToken).ConfigureAwait(false))
        {
            if (!force && current is not null && !RenewalPolicy.IsDue(current.Leaf, _options.HostNames, time.GetUtcNow()))
            {
                LogNotDue(current.Leaf.Thumbprint, RenewalPolicy.RenewalTime(current.Leaf));
                return new RenewalResult(false, current.Leaf.NotAfter.ToUniversalTime(), current.Leaf.Thumbprint);
            }
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.OrderTimeout);
        try
        {
            var (leaf, intermediates) = await ObtainAsync(deadline.Token).ConfigureAwait(false);
            using (leaf)
            {
                await certificates.SaveCertificateAsync(_options.CertificateName, leaf, intermediates, cancellationToken).ConfigureAwait(false);
                LogRenewed(string.Join(", ", _options.HostNames), leaf.Thumbprint, leaf.NotAfter.ToUniversalTime());
                return new RenewalResult(true, leaf.NotAfter.ToUniversalTime(), leaf.Thumbprint);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AcmeOrderFailedException($"The ACME order did not finish within {_options.OrderTimeout} (Acme:OrderTimeout).");
        }
    }

    private async Task<(X509Certificate2 Leaf, X509Certificate2Collection Intermediates)> ObtainAsync(CancellationToken cancellationToken)
    {
        using var accountKey = await LoadAccountKeyAsync(cancellationToken).ConfigureAwait(false);
        using var jws = new AcmeJws(accountKey);
        var client = new AcmeClient(http.Http, _options.DirectoryUrl!, jws, logger);
        await client.EnsureAccountAsync(_options.ContactEmail!, cancellationToken).ConfigureAwait(false);

        var order = await client.NewOrderAsync(_options.HostNames, cancellationToken).ConfigureAwait(false);
        foreach (var authorization in order.Order.Authorizations)
        {
            await AuthorizeAsync(client, jws, authorization, cancellationToken).ConfigureAwait(false);
        }

        var ready = await PollOrderAsync(client, order.Url, AcmeStatus.Ready, cancellationToken).ConfigureAwait(false);

        // A fresh key per certificate. RSA 2048 rather than ECDSA: some MTAs and older mail clients still offer no ECDSA suites.
        using var certificateKey = RSA.Create(2048);
        var finalized = await client.FinalizeAsync(ready.Finalize, CreateSigningRequest(certificateKey), cancellationToken).ConfigureAwait(false);
        if (finalized.Status != AcmeStatus.Valid)
        {
            finalized = await PollOrderAsync(client, order.Url, AcmeStatus.Valid, cancellationToken).ConfigureAwait(false);
        }

        var certificateUrl = finalized.Certificate ?? throw new AcmeProtocolException("A valid order has no certificate URL (RFC 8555 §7.1.3).");
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(await client.DownloadCertificateAsync(certificateUrl, cancellationToken).ConfigureAwait(false));
        if (chain.Count == 0)
        {
            throw new AcmeProtocolException($"The certificate at {certificateUrl} holds no PEM certificate.");
        }

        // RFC 8555 §9.1: the end-entity certificate comes first, the chain after it.
        using var issued = chain[0];
        if (!_options.HostNames.All(name => issued.MatchesHostname(name, allowWildcards: false)))
        {
            throw new AcmeProtocolException($"The issued certificate {issued.Subject} does not cover {string.Join(", ", _options.HostNames)}.");
        }

        var intermediates = new X509Certificate2Collection();
        intermediates.AddRange(chain.Skip(1).ToArray());
        return (issued.CopyWithPrivateKey(certificateKey), intermediates);
    }

    private async Task<ECDsa> LoadAccountKeyAsync(CancellationToken cancellationToken)
    {
        using var candidate = AcmeJws.CreateKey();
        var pem = await certificates.GetOrAddAccountKeyAsync(_options.CertificateName, candidate.ExportPkcs8PrivateKeyPem(), cancellationToken).ConfigureAwait(false);
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return key;
    }

    /// <summary>RFC 8555 §7.5, §8.3: answer the http-01 challenge of one authorization and wait for its verdict.</summary>
    private async Task AuthorizeAsync(AcmeClient client, AcmeJws jws, Uri url, CancellationToken cancellationToken)
    {
        var authorization = await client.GetAuthorizationAsync(url, cancellationToken).ConfigureAwait(false);
        if (authorization.Status == AcmeStatus.Valid)
        {
            return;
        }

        var challenge = authorization.Challenges.FirstOrDefault(c => c.Type == AcmeChallenge.Http01)
            ?? throw new AcmeOrderFailedException($"The CA offers no http-01 challenge for {authorization.Identifier.Value}.");
        if (!AcmeToken.IsValid(challenge.Token))
        {
            throw new AcmeProtocolException($"The http-01 challenge for {authorization.Identifier.Value} has no valid token (RFC 8555 §8.3).");
        }

        var token = challenge.Token!;
        await challenges.PutAsync(token, jws.KeyAuthorization(token), cancellationToken).ConfigureAwait(false);
        try
        {
            await client.RespondAsync(challenge.Url, cancellationToken).ConfigureAwait(false);
            while (authorization.Status == AcmeStatus.Pending)
            {
                await Task.Delay(_options.PollInterval, time, cancellationToken).ConfigureAwait(false);
                authorization = await client.GetAuthorizationAsync(url, cancellationToken).ConfigureAwait(false);
            }

            if (authorization.Status != AcmeStatus.Valid)
            {
                var failed = authorization.Challenges.FirstOrDefault(c => c.Type == AcmeChallenge.Http01);
                throw new AcmeOrderFailedException($"Authorization for {authorization.Identifier.Value} is {authorization.Status}", failed?.Error);
            }

            LogAuthorized(authorization.Identifier.Value);
        }
        finally
        {
            await challenges.DeleteAsync(token, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<AcmeOrder> PollOrderAsync(AcmeClient client, Uri url, string wanted, CancellationToken cancellationToken)
    {
        while (true)
        {
            var order = await client.GetOrderAsync(url, cancellationToken).ConfigureAwait(false);
            if (order.Status == wanted)
            {
                return order;
            }

            if (order.Status == AcmeStatus.Invalid)
            {
                throw new AcmeOrderFailedException($"The order {url} is invalid", order.Error);
            }

            await Task.Delay(_options.PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>RFC 8555 §7.4: a PKCS#10 request naming every host in subjectAltName; the first is the CN too.</summary>
    private byte[] CreateSigningRequest(RSA key)
    {
        var request = new CertificateRequest($"CN={_options.HostNames[0]}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in _options.HostNames)
        {
            names.AddDnsName(host);
        }

        request.CertificateExtensions.Add(names.Build());
        return request.CreateSigningRequest();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Certificate {Thumbprint} is not due; renewal from {RenewAt:u}")]
    private partial void LogNotDue(string thumbprint, DateTimeOffset renewAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "ACME authorized {Host}")]
    private partial void LogAuthorized(string host);

    [LoggerMessage(Level = LogLevel.Information, Message = "Certificate for {Hosts} renewed: {Thumbprint}, valid until {NotAfter:u}")]
    private partial void LogRenewed(string hosts, string thumbprint, DateTime notAfter);
}
