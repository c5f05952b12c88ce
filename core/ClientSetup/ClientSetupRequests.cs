using System.Xml;
using System.Xml.Linq;
using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.ClientSetup;

/// <summary>One HTTP request for a client-setup document, as either HTTP surface received it.</summary>
/// <param name="Method">GET or POST.</param>
/// <param name="Path">The URL path, e.g. <c>/mail/config-v1.1.xml</c>.</param>
/// <param name="Host">The Host header without its port: MTA-STS is asked of <c>mta-sts.&lt;domain&gt;</c>, autoconfig of <c>autoconfig.&lt;domain&gt;</c>.</param>
/// <param name="EmailAddress">The <c>emailaddress</c> query parameter, when given.</param>
/// <param name="Body">The request body (autodiscover posts its request as XML).</param>
public sealed record ClientSetupRequest(string Method, string Path, string Host, string? EmailAddress, Stream Body);

/// <summary>The answer: an HTTP status, and a body with its media type (a short reason when not 200).</summary>
public sealed record ClientSetupResponse(int Status, string ContentType, string Body)
{
    public static ClientSetupResponse Ok(string contentType, string body) => new(200, contentType, body);

    public static ClientSetupResponse Error(int status, string reason) => new(status, "text/plain; charset=utf-8", reason + "\n");
}

/// <summary>
/// Answers the client-setup URLs for the hosted domains, the same way behind both HTTP surfaces (an
/// HTTP-triggered function in Azure, the local HTTP port of <c>mailcloud dev</c>). A document is only
/// served for a domain we host; whether an account exists is never revealed (any address of a hosted
/// domain gets the same settings).
/// </summary>
public sealed class ClientSetupRequests(IMailDirectory directory, IOptions<ClientSetupOptions> options)
{
    public const string AutoconfigPath = "/mail/config-v1.1.xml";
    public const string WellKnownAutoconfigPath = "/.well-known/autoconfig/mail/config-v1.1.xml";
    public const string AutodiscoverPath = "/autodiscover/autodiscover.xml";
    public const string AppleProfilePath = "/mail/profile.mobileconfig";
    public const string MtaStsPath = "/.well-known/mta-sts.txt";

    /// <summary>Every path served, for the HTTP surfaces to route.</summary>
    public static IReadOnlyList<string> Paths { get; } = [AutoconfigPath, WellKnownAutoconfigPath, AutodiscoverPath, AppleProfilePath, MtaStsPath];

    /// <summary>An autodiscover request is a few hundred bytes; anything past this is not one.</summary>
    private const int MaxAutodiscoverRequest = 16 * 1024;

    private static readonly XNamespace AutodiscoverRequest = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";

    public async Task<ClientSetupResponse> HandleAsync(ClientSetupRequest request, CancellationToken cancellationToken)
    {
        var path = request.Path.ToLowerInvariant();
        var settings = options.Value;
        return path switch
        {
            AutoconfigPath or WellKnownAutoconfigPath when IsRead(request) => await AutoconfigAsync(request, settings, cancellationToken).ConfigureAwait(false),
            AppleProfilePath when IsRead(request) => await AppleProfileAsync(request, settings, cancellationToken).ConfigureAwait(false),
            MtaStsPath when IsRead(request) => await MtaStsAsync(request, settings, cancellationToken).ConfigureAwait(false),
            AutodiscoverPath when request.Method is "POST" => await AutodiscoverAsync(request, settings, cancellationToken).ConfigureAwait(false),
            _ when Paths.Contains(path) => ClientSetupResponse.Error(405, "Method not allowed."),
            _ => ClientSetupResponse.Error(404, "Not found."),
        };
    }

    private static bool IsRead(ClientSetupRequest request) => request.Method is "GET" or "HEAD";

    private async Task<ClientSetupResponse> AutoconfigAsync(ClientSetupRequest request, ClientSetupOptions settings, CancellationToken cancellationToken)
    {
        // Thunderbird asks https://autoconfig.<domain>/mail/config-v1.1.xml?emailaddress=<address>;
        // without the address, the domain is the host's after "autoconfig.".
        string? domain;
        if (request.EmailAddress is not null)
        {
            if (!Addresses.EmailAddress.TryParse(request.EmailAddress, out var address))
            {
                return ClientSetupResponse.Error(400, "emailaddress is not an email address.");
            }

            domain = address.Domain;
        }
        else
        {
            domain = DomainBelow(request.Host, "autoconfig.");
        }

        return domain is not null && await IsHostedAsync(domain, cancellationToken).ConfigureAwait(false)
            ? ClientSetupResponse.Ok("application/xml; charset=utf-8", ClientSetupDocuments.Autoconfig(domain, settings))
            : ClientSetupResponse.Error(404, "No such mail domain here.");
    }

    private async Task<ClientSetupResponse> AppleProfileAsync(ClientSetupRequest request, ClientSetupOptions settings, CancellationToken cancellationToken)
    {
        if (!Addresses.EmailAddress.TryParse(request.EmailAddress, out var address))
        {
            return ClientSetupResponse.Error(400, "emailaddress is missing or not an email address.");
        }

        return await IsHostedAsync(address.Domain, cancellationToken).ConfigureAwait(false)
            ? ClientSetupResponse.Ok("application/x-apple-aspen-config", ClientSetupDocuments.AppleProfile(address, settings))
            : ClientSetupResponse.Error(404, "No such mail domain here.");
    }

    private async Task<ClientSetupResponse> MtaStsAsync(ClientSetupRequest request, ClientSetupOptions settings, CancellationToken cancellationToken)
    {
        // RFC 8461 §3.3: the policy is fetched from https://mta-sts.<domain>/.well-known/mta-sts.txt.
        return DomainBelow(request.Host, "mta-sts.") is { } domain && await IsHostedAsync(domain, cancellationToken).ConfigureAwait(false)
            ? ClientSetupResponse.Ok("text/plain; charset=utf-8", ClientSetupDocuments.MtaStsPolicy(settings))
            : ClientSetupResponse.Error(404, "No MTA-STS policy for this host.");
    }

    private async Task<ClientSetupResponse> AutodiscoverAsync(ClientSetupRequest request, ClientSetupOptions settings, CancellationToken cancellationToken)
    {
        XDocument document;
        try
        {
            using var limited = new MemoryStream();
            await CopyLimitedAsync(request.Body, limited, MaxAutodiscoverRequest, cancellationToken).ConfigureAwait(false);
            limited.Position = 0;
            // No DTDs, no external entities: the body comes from anyone.
            using var reader = XmlReader.Create(limited, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader);
        }
        catch (Exception ex) when (ex is XmlException or InvalidDataException)
        {
            return ClientSetupResponse.Error(400, "The body is not an autodiscover request.");
        }

        var text = document.Root?.Element(AutodiscoverRequest + "Request")?.Element(AutodiscoverRequest + "EMailAddress")?.Value;
        if (!Addresses.EmailAddress.TryParse(text?.Trim(), out var address))
        {
            return ClientSetupResponse.Error(400, "The request names no email address.");
        }

        return await IsHostedAsync(address.Domain, cancellationToken).ConfigureAwait(false)
            ? ClientSetupResponse.Ok("application/xml; charset=utf-8", ClientSetupDocuments.Autodiscover(address, settings))
            : ClientSetupResponse.Error(404, "No such mail domain here.");
    }

    private async Task<bool> IsHostedAsync(string domain, CancellationToken cancellationToken) =>
        Addresses.EmailAddress.TryNormalizeDomain(domain, out var normalized, out _) &&
        (await directory.GetSnapshotAsync(cancellationToken).ConfigureAwait(false)).IsHostedDomain(normalized);

    private static string? DomainBelow(string host, string label) =>
        host.StartsWith(label, StringComparison.OrdinalIgnoreCase) && host.Length > label.Length ? host[label.Length..].TrimEnd('.') : null;

    private static async Task CopyLimitedAsync(Stream source, Stream destination, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (destination.Length + read > limit)
            {
                throw new InvalidDataException("Autodiscover request too large.");
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }
}
