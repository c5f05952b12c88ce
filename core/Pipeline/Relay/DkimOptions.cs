using MimeKit.Cryptography;
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

    internal DkimSigner CreateSigner()
    {
        var signer = new DkimSigner(OpenPrivateKey(), Domain, Selector);

        // RFC 6376 §3.4: relaxed/relaxed survives the header folding and whitespace changes MTAs make.
        signer.HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        signer.BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        return signer;
    }

    /// <summary>The private key as MimeKit reads it (PEM).</summary>
    internal Stream OpenPrivateKey() =>
        PrivateKeyPem is { Length: > 0 } pem
            ? new MemoryStream(System.Text.Encoding.ASCII.GetBytes(pem), writable: false)
            : File.OpenRead(PrivateKeyPath!);
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
