using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MailCloud.Core.Certificates.Acme;

/// <summary>
/// Signs ACME requests as flattened JWS (RFC 8555 §6.2, RFC 7515 §7.2.2) with the account's
/// ECDSA P-256 key (ES256, RFC 7518 §3.4: the signature is r‖s, 64 octets). No I/O.
/// </summary>
public sealed class AcmeJws : IDisposable
{
    private readonly ECDsa _key;
    private readonly string _jwk;

    public AcmeJws(ECDsa key)
    {
        if (key.KeySize != 256)
        {
            throw new ArgumentException("The ACME account key must be ECDSA P-256 (ES256).", nameof(key));
        }

        _key = key;
        var parameters = key.ExportParameters(includePrivateParameters: false);
        // RFC 7638 §3.2: the required members in lexicographic order, no whitespace; this is also the thumbprint input.
        _jwk = $$"""{"crv":"P-256","kty":"EC","x":"{{Base64Url.EncodeToString(parameters.Q.X)}}","y":"{{Base64Url.EncodeToString(parameters.Q.Y)}}"}""";
        Thumbprint = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(_jwk)));
    }

    /// <summary>The account key's JWK thumbprint (RFC 7638), base64url: the second half of every key authorization.</summary>
    public string Thumbprint { get; }

    /// <summary>A new account key.</summary>
    public static ECDsa CreateKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>RFC 8555 §8.1: token "." base64url(thumbprint).</summary>
    public string KeyAuthorization(string token) => $"{token}.{Thumbprint}";

    /// <summary>
    /// The JWS body for a POST to <paramref name="url"/>. Before the account exists the protected header
    /// carries the public key (jwk), afterwards the account URL (kid), never both (RFC 8555 §6.2).
    /// A null <paramref name="payload"/> is POST-as-GET: the payload is the empty string (§6.3).
    /// </summary>
    public byte[] Sign(Uri url, string nonce, Uri? accountUrl, object? payload)
    {
        var header = new StringBuilder("{\"alg\":\"ES256\",");
        header.Append(accountUrl is null ? $"\"jwk\":{_jwk}," : $"\"kid\":{JsonSerializer.Serialize(accountUrl.AbsoluteUri)},");
        header.Append($"\"nonce\":{JsonSerializer.Serialize(nonce)},\"url\":{JsonSerializer.Serialize(url.AbsoluteUri)}}}");

        var protectedPart = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToString()));
        var payloadPart = payload is null ? "" : Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(payload, AcmeJson.Options));
        var signature = _key.SignData(Encoding.ASCII.GetBytes($"{protectedPart}.{payloadPart}"), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>
        {
            ["protected"] = protectedPart,
            ["payload"] = payloadPart,
            ["signature"] = Base64Url.EncodeToString(signature),
        });
    }

    public void Dispose() => _key.Dispose();
}
