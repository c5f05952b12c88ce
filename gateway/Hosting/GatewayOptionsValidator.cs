using System.Net;
using MailCloud.Gateway.Hosting.Proxy;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Hosting;

/// <summary>Checks what data annotations cannot: listener names and endpoints, proxy ranges, nested options.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.HealthAddress, out _))
        {
            failures.Add($"Gateway:HealthAddress '{options.HealthAddress}' is not an IP address.");
        }

        foreach (var duplicate in options.Listeners.GroupBy(l => l.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            failures.Add($"Gateway:Listeners has more than one listener named '{duplicate.Key}'.");
        }

        foreach (var listener in options.Listeners)
        {
            var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
            if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(listener, new(listener), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"Gateway:Listeners '{listener.Name}': {r.ErrorMessage}"));
            }

            if (!IPAddress.TryParse(listener.Address, out _))
            {
                failures.Add($"Gateway:Listeners '{listener.Name}': Address '{listener.Address}' is not an IP address.");
            }

            if (listener.IdleTimeout <= TimeSpan.Zero || listener.SessionTimeout <= TimeSpan.Zero || listener.TlsHandshakeTimeout <= TimeSpan.Zero)
            {
                failures.Add($"Gateway:Listeners '{listener.Name}': timeouts must be positive.");
            }
        }

        foreach (var entry in options.TrustedProxies.Where(e => !TrustedProxies.TryParse(e, out _)))
        {
            failures.Add($"Gateway:TrustedProxies entry '{entry}' is neither an IP address nor a CIDR range.");
        }

        if (!string.IsNullOrWhiteSpace(options.Tls.KeyPath) && string.IsNullOrWhiteSpace(options.Tls.CertificatePath))
        {
            failures.Add("Gateway:Tls:KeyPath is set without Gateway:Tls:CertificatePath.");
        }

        if (options.Tls.StoredName is { } stored && (stored.Length == 0 || !stored.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            failures.Add("Gateway:Tls:StoredName must be letters, digits and hyphens (a Key Vault certificate name).");
        }

        if (options.Tls.ReloadInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add("Gateway:Tls:ReloadInterval must be at least 1 s.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
