using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MailCloud.Core.Addresses;
using MailCloud.Core.ClientSetup;

namespace MailCloud.Cli.Commands;

/// <summary>
/// <c>mailcloud dns &lt;domain&gt;</c>: the DNS records a hosted domain needs, as zone-file lines to
/// paste at the DNS provider. Nothing is looked up or changed; the output depends only on the arguments.
/// </summary>
public static class DnsCommand
{
    public const string DefaultSelector = "mailcloud";

    public static Command Create()
    {
        var domain = new Argument<string>("domain") { Description = "The mail domain, e.g. example.com (IDN allowed)." };
        var mxHost = new Option<string?>("--mx-host")
        {
            Description = "The gateway's host name, target of the MX and SRV records (default: mail.<domain>; azd: GATEWAY_HOST_NAME).",
        };
        var gatewayIp = new Option<string?>("--gateway-ip")
        {
            Description = "The gateway's public IP address, for the A/AAAA record of the MX host (azd: GATEWAY_IP_ADDRESS).",
        };
        var spfInclude = new Option<string[]>("--spf-include")
        {
            Description = "A domain whose SPF record is included, e.g. the smart host's (repeatable).",
        };
        var webHost = new Option<string?>("--web-host")
        {
            Description = "The host serving autoconfig, autodiscover and the MTA-STS policy, target of their CNAMEs (azd: CLIENT_SETUP_HOST_NAME).",
        };
        var mtaStsMode = new Option<MtaStsMode>("--mta-sts-mode")
        {
            Description = "The MTA-STS mode the policy is served with (ClientSetup:MtaStsMode), which its id= follows.",
            DefaultValueFactory = _ => MtaStsMode.Testing,
        };
        var dkimKey = new Option<FileInfo?>("--dkim-key") { Description = "The DKIM private key (PEM, RSA) whose public half is published." };
        var selector = new Option<string>("--selector")
        {
            Description = "The DKIM selector.",
            DefaultValueFactory = _ => DefaultSelector,
        };

        var command = new Command("dns", "Print the DNS records to publish for a mail domain: MX, SPF, DKIM, DMARC, SRV (RFC 6186/8314), MTA-STS, TLS-RPT.")
        {
            domain, mxHost, gatewayIp, spfInclude, dkimKey, selector, webHost, mtaStsMode,
        };

        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                var request = DnsRecordRequest.Create(
                    parseResult.GetRequiredValue(domain),
                    parseResult.GetValue(mxHost),
                    parseResult.GetValue(gatewayIp),
                    parseResult.GetValue(spfInclude) ?? [],
                    parseResult.GetValue(selector) ?? DefaultSelector,
                    parseResult.GetValue(dkimKey) is { } keyFile ? DkimPublicKey.FromPemFile(keyFile.FullName) : null,
                    parseResult.GetValue(webHost),
                    parseResult.GetValue(mtaStsMode));
                foreach (var line in MailDnsRecords.Render(request))
                {
                    output.WriteLine(line);
                }

                return 0;
            }
            catch (DnsRecordException ex)
            {
                error.WriteLine($"error: {ex.Message}");
                return 1;
            }
        });
        return command;
    }
}

/// <summary>Input that cannot become a DNS record: a malformed domain, host or key.</summary>
public sealed class DnsRecordException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What to publish for one domain; every name already normalized to IDNA ASCII.</summary>
public sealed record DnsRecordRequest(
    string Domain,
    string MxHost,
    IPAddress? GatewayAddress,
    IReadOnlyList<string> SpfIncludes,
    string Selector,
    string? DkimPublicKey,
    string? WebHost,
    MtaStsMode MtaStsMode)
{
    public static DnsRecordRequest Create(
        string domain,
        string? mxHost,
        string? gatewayIp,
        IEnumerable<string> spfIncludes,
        string selector,
        string? dkimPublicKey,
        string? webHost = null,
        MtaStsMode mtaStsMode = MtaStsMode.Testing)
    {
        var zone = NormalizedDomain(domain, "domain");
        var host = string.IsNullOrWhiteSpace(mxHost) ? $"mail.{zone}" : NormalizedDomain(mxHost, "--mx-host");

        IPAddress? address = null;
        if (!string.IsNullOrWhiteSpace(gatewayIp) && !IPAddress.TryParse(gatewayIp, out address))
        {
            throw new DnsRecordException($"--gateway-ip '{gatewayIp}' is not an IP address.");
        }

        // RFC 6376 §3.1: a selector is one or more dot-separated labels.
        if (!EmailAddress.TryNormalizeDomain($"{selector}.{zone}", out _, out _))
        {
            throw new DnsRecordException($"--selector '{selector}' is not a valid DKIM selector.");
        }

        var web = string.IsNullOrWhiteSpace(webHost) ? null : NormalizedDomain(webHost, "--web-host");
        return new DnsRecordRequest(zone, host, address, spfIncludes.Select(SpfDomain).ToList(), selector.ToLowerInvariant(), dkimPublicKey, web, mtaStsMode);
    }

    /// <summary>
    /// An SPF include target is a DNS name, not a host name: labels like "_spf" are common
    /// (RFC 7208 §7.1 domain-spec), so underscores are allowed where host names forbid them.
    /// </summary>
    private static string SpfDomain(string text)
    {
        var name = text.TrimEnd('.').ToLowerInvariant();
        var labels = name.Split('.');
        return name.Length <= 253 && labels.Length >= 2 &&
               labels.All(l => l.Length is > 0 and <= 63 && l.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            ? name
            : throw new DnsRecordException($"--spf-include: '{text}' is not a domain name.");
    }

    private static string NormalizedDomain(string text, string what) =>
        EmailAddress.TryNormalizeDomain(text, out var normalized, out var error) && normalized.Contains('.')
            ? normalized
            : throw new DnsRecordException($"{what}: {error ?? $"'{text}' is not a fully qualified domain name"}.");
}

/// <summary>The public half of a DKIM signing key, as the p= tag wants it.</summary>
public static class DkimPublicKey
{
    /// <summary>Reads an RSA private key (PKCS#1 or PKCS#8 PEM) and returns its SubjectPublicKeyInfo in base64 (RFC 6376 §3.6.1).</summary>
    public static string FromPemFile(string path)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DnsRecordException($"--dkim-key: cannot read '{path}': {ex.Message}", ex);
        }

        return FromPem(pem);
    }

    public static string FromPem(string pem)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (ArgumentException ex)
        {
            throw new DnsRecordException("--dkim-key: not an unencrypted RSA private key in PEM.", ex);
        }
        catch (CryptographicException ex)
        {
            throw new DnsRecordException($"--dkim-key: the RSA key cannot be read: {ex.Message}", ex);
        }

        // RFC 8301 §3.2: signers must use RSA keys of at least 1024 bits, and should use 2048.
        if (rsa.KeySize < 1024)
        {
            throw new DnsRecordException($"--dkim-key: a {rsa.KeySize}-bit key is too short for DKIM (RFC 8301: at least 1024, 2048 recommended).");
        }

        return Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }
}

/// <summary>Renders the records for one domain as RFC 1035 §5 zone-file lines with absolute names.</summary>
public static class MailDnsRecords
{
    private const int Ttl = 3600;

    public static IEnumerable<string> Render(DnsRecordRequest request)
    {
        var domain = request.Domain;
        var mx = Absolute(request.MxHost);

        yield return $"; Mail DNS records for {domain}, generated by `mailcloud dns`.";
        yield return "";
        yield return "; Mail exchanger. The MX target must be an address record, not a CNAME (RFC 2181 §10.3).";
        yield return Record(domain, "MX", $"10 {mx}");
        if (request.GatewayAddress is { } address)
        {
            yield return Record(request.MxHost, address.AddressFamily == AddressFamily.InterNetworkV6 ? "AAAA" : "A", address.ToString());
        }
        else
        {
            yield return $"; {request.MxHost} needs an A record for the gateway's address (azd env get-value GATEWAY_IP_ADDRESS).";
        }

        yield return "";
        yield return "; SPF (RFC 7208): only our MX hosts, plus any smart host we relay through, may send for the domain.";
        var includes = string.Concat(request.SpfIncludes.Select(i => $" include:{i}"));
        yield return Record(domain, "TXT", Quote($"v=spf1 mx{includes} -all"));

        yield return "";
        yield return "; DKIM (RFC 6376 §3.6.2): the public key the Relay stage's signatures are checked against.";
        if (request.DkimPublicKey is { } publicKey)
        {
            yield return Record($"{request.Selector}._domainkey.{domain}", "TXT", Quote($"v=DKIM1; k=rsa; p={publicKey}"));
        }
        else
        {
            yield return $"; give --dkim-key <private.pem> [--selector {request.Selector}] to print {request.Selector}._domainkey.{domain}.";
        }

        yield return "";
        yield return "; DMARC (RFC 7489): quarantine what fails SPF and DKIM alignment; aggregate reports to postmaster.";
        yield return Record($"_dmarc.{domain}", "TXT", Quote($"v=DMARC1; p=quarantine; rua=mailto:postmaster@{domain}"));

        yield return "";
        yield return "; Client autoconfiguration: SRV records (RFC 6186), implicit TLS preferred (RFC 8314 §5.1).";
        yield return Record($"_submissions._tcp.{domain}", "SRV", $"0 1 465 {mx}");
        yield return Record($"_submission._tcp.{domain}", "SRV", $"10 1 587 {mx}");
        yield return Record($"_imaps._tcp.{domain}", "SRV", $"0 1 993 {mx}");
        yield return Record($"_imap._tcp.{domain}", "SRV", $"10 1 143 {mx}");
        yield return Record($"_pop3s._tcp.{domain}", "SRV", $"20 1 995 {mx}");
        yield return Record($"_pop3._tcp.{domain}", "SRV", $"30 1 110 {mx}");

        yield return "";
        yield return "; Client setup over HTTPS (ClientSetupFunction): Thunderbird autoconfig, Outlook autodiscover, MTA-STS.";
        var policy = new ClientSetupOptions { MailHost = request.MxHost, MtaStsMode = request.MtaStsMode };
        if (request.WebHost is { } web)
        {
            yield return Record($"autoconfig.{domain}", "CNAME", Absolute(web));
            yield return Record($"autodiscover.{domain}", "CNAME", Absolute(web));
            yield return Record($"_autodiscover._tcp.{domain}", "SRV", $"0 0 443 {Absolute($"autodiscover.{domain}")}");
            yield return Record($"mta-sts.{domain}", "CNAME", Absolute(web));
        }
        else
        {
            yield return "; give --web-host <host> (azd env get-value CLIENT_SETUP_HOST_NAME) to print the autoconfig, autodiscover and mta-sts names.";
        }

        yield return "; Each of those names needs a TLS certificate on the web host (a custom domain with a managed certificate).";
        yield return $"; Apple devices: https://autoconfig.{domain}/mail/profile.mobileconfig?emailaddress=<address> downloads a profile.";

        yield return "";
        yield return $"; MTA-STS (RFC 8461): senders require TLS to our MX. id= follows the policy served at https://mta-sts.{domain}/.well-known/mta-sts.txt:";
        foreach (var line in ClientSetupDocuments.MtaStsPolicy(policy).Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            yield return $";   {line}";
        }

        yield return Record($"_mta-sts.{domain}", "TXT", Quote($"v=STSv1; id={ClientSetupDocuments.MtaStsPolicyId(policy)}"));

        yield return "";
        yield return "; TLS-RPT (RFC 8460): where senders report TLS failures delivering to us.";
        yield return Record($"_smtp._tls.{domain}", "TXT", Quote($"v=TLSRPTv1; rua=mailto:postmaster@{domain}"));
    }

    private static string Record(string name, string type, string data) =>
        $"{Absolute(name),-40} {Ttl} IN {type,-5} {data}";

    private static string Absolute(string name) => name.EndsWith('.') ? name : name + ".";

    /// <summary>A TXT value as quoted character-strings of at most 255 octets each (RFC 1035 §3.3.14); resolvers concatenate them.</summary>
    private static string Quote(string value)
    {
        const int MaxCharacterString = 255;
        var builder = new StringBuilder();
        for (var start = 0; start < value.Length; start += MaxCharacterString)
        {
            var chunk = value.Substring(start, Math.Min(MaxCharacterString, value.Length - start));
            builder.Append(builder.Length == 0 ? "" : " ").Append('"').Append(chunk.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return builder.ToString();
    }
}
