using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Relay;

/// <summary>DKIM signing keys, one per domain we send from (section "Dkim").</summary>
public sealed class DkimOptions
{
    public const string SectionName = "Dkim";

    public List<DkimKeyOptions> Keys { get; set; } = [];
}

public sealed class DkimKeyOptions
{
    public string Domain { get; set; } = "";
    public string Selector { get; set; } = "";

    /// <summary>The RSA private key in PEM; or give <see cref="PrivateKeyPath"/>.</summary>
    public string? PrivateKeyPem { get; set; }

    public string? PrivateKeyPath { get; set; }

    internal DkimSigner CreateSigner() => CreateSigner(LoadPrivateKey());

    internal DkimSigner CreateSigner(AsymmetricKeyParameter privateKey)
    {
        var signer = new DkimSigner(privateKey, Domain, Selector);

        // RFC 6376 §3.4: relaxed/relaxed survives the header folding and whitespace changes MTAs make.
        signer.HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        signer.BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        return signer;
    }

    /// <summary>The private key from its PEM (PKCS#1 or PKCS#8), parsed once and shared by the DKIM signer and the ARC sealer.</summary>
    internal AsymmetricKeyParameter LoadPrivateKey()
    {
        using var text = PrivateKeyPem is { Length: > 0 } pem ? new StringReader(pem) : (TextReader)File.OpenText(PrivateKeyPath!);
        return new PemReader(text).ReadObject() switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter { IsPrivate: true } key => key,
            _ => throw new FormatException($"The DKIM key for {Domain} is not a private key in PEM."),
        };
    }
}

/// <summary>Loads every key at start, so a broken key fails the host rather than the first relay.</summary>
internal sealed class DkimOptionsValidator : IValidateOptions<DkimOptions>
{
    public ValidateOptionsResult Validate(string? name, DkimOptions options)
    {
        var errors = new List<string>();
        foreach (var key in options.Keys)
        {
            if (string.IsNullOrWhiteSpace(key.Domain) || string.IsNullOrWhiteSpace(key.Selector))
            {
                errors.Add("Dkim:Keys entries need a Domain and a Selector.");
                continue;
            }

            if (string.IsNullOrEmpty(key.PrivateKeyPem) == string.IsNullOrEmpty(key.PrivateKeyPath))
            {
                errors.Add($"Dkim key for {key.Domain}: give exactly one of PrivateKeyPem and PrivateKeyPath.");
                continue;
            }

            try
            {
                key.CreateSigner();
            }
            catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or UnauthorizedAccessException or NotSupportedException)
            {
                errors.Add($"Dkim key for {key.Domain} cannot be loaded: {ex.Message}");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
