using System.Globalization;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Certificates;

/// <summary>
/// Section "Acme": the mail host's certificate, obtained and renewed by ACME (RFC 8555) with HTTP-01.
/// Off unless <see cref="Enabled"/>; validated at start when on.
/// </summary>
public sealed class AcmeOptions
{
    public const string SectionName = "Acme";

    public bool Enabled { get; set; }

    /// <summary>The ACME directory (Let's Encrypt: https://acme-v02.api.letsencrypt.org/directory).</summary>
    public Uri? DirectoryUrl { get; set; }

    /// <summary>The account's contact (RFC 8555 §7.3): where the CA writes about expiry and incidents.</summary>
    public string? ContactEmail { get; set; }

    /// <summary>The DNS names the certificate covers; the first is its subject. Each must reach our HTTP endpoint on port 80.</summary>
    public List<string> HostNames { get; set; } = [];

    /// <summary>The name the certificate is stored under (Key Vault certificate name, or blob name locally).</summary>
    public string CertificateName { get; set; } = "gateway-tls";

    /// <summary>How often the renewal looks at the stored certificate (local mode's hosted service; in Azure the timer function's schedule).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How often pending authorizations and orders are polled.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one order may take, validation and issuance together, before it is given up.</summary>
    public TimeSpan OrderTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Optional PEM file of the root that the ACME server's own TLS certificate must chain to, instead
    /// of the system's roots: for a private CA (step-ca) or Pebble's test directory.
    /// </summary>
    public string? DirectoryTrustedRootPath { get; set; }
}

internal sealed class AcmeOptionsValidator : IValidateOptions<AcmeOptions>
{
    public ValidateOptionsResult Validate(string? name, AcmeOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (options.DirectoryUrl is not { IsAbsoluteUri: true, Scheme: "https" })
        {
            // RFC 8555 §6.1: ACME is spoken over HTTPS only.
            failures.Add("Acme:DirectoryUrl must be an absolute https URL.");
        }

        if (string.IsNullOrWhiteSpace(options.ContactEmail) || !System.Net.Mail.MailAddress.TryCreate(options.ContactEmail, out var contact) || contact.Address != options.ContactEmail)
        {
            failures.Add("Acme:ContactEmail must be one plain email address.");
        }

        if (options.HostNames.Count == 0)
        {
            failures.Add("Acme:HostNames must name at least one host.");
        }

        foreach (var host in options.HostNames)
        {
            if (!IsDnsName(host))
            {
                failures.Add($"Acme:HostNames: '{host}' is not a DNS name (HTTP-01 cannot validate wildcards or IP addresses).");
            }
        }

        if (options.HostNames.Distinct(StringComparer.OrdinalIgnoreCase).Count() != options.HostNames.Count)
        {
            failures.Add("Acme:HostNames lists a name twice.");
        }

        if (string.IsNullOrWhiteSpace(options.CertificateName) || !options.CertificateName.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') || options.CertificateName.Length > 127)
        {
            // Key Vault object names: letters, digits and hyphens, at most 127.
            failures.Add("Acme:CertificateName must be letters, digits and hyphens (at most 127).");
        }

        if (options.CheckInterval < TimeSpan.FromSeconds(1) || options.PollInterval <= TimeSpan.Zero || options.OrderTimeout <= options.PollInterval)
        {
            failures.Add("Acme:CheckInterval must be at least 1 s, PollInterval positive and OrderTimeout longer than PollInterval.");
        }

        if (options.DirectoryTrustedRootPath is { Length: > 0 } root && !File.Exists(root))
        {
            failures.Add($"Acme:DirectoryTrustedRootPath '{root}' does not exist.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsDnsName(string host)
    {
        if (host.Length is 0 or > 253 || host.Contains('*') || System.Net.IPAddress.TryParse(host, out _))
        {
            return false;
        }

        var ascii = new IdnMapping().GetAscii(host);
        return ascii.Split('.').All(label => label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && label[0] != '-' && label[^1] != '-')
            && ascii.Contains('.');
    }
}
