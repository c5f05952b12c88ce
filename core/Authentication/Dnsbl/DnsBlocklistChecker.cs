using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailCloud.Core.Authentication.Dns;
using Microsoft.Extensions.Logging;

namespace MailCloud.Core.Authentication.Dnsbl;

/// <summary>A client address found on a DNS blocklist: the zone, and the A record it answered.</summary>
public sealed record DnsBlocklistListing(string Zone, IPAddress Answer);

/// <summary>
/// Asks DNS blocklists about a client address (RFC 5782): one A query per zone, all at once, through
/// the resolver SPF uses. Listed means an answer in 127.0.0.0/24 (§2.1, "typically 127.0.0.2");
/// other answers (Spamhaus's 127.255.255.x error codes, for one) and every DNS failure mean not
/// listed, so a blocklist that is down never refuses mail.
/// </summary>
public sealed partial class DnsBlocklistChecker(IDnsResolver dns, ILogger<DnsBlocklistChecker> logger)
{
    /// <summary>The first zone, in the order given, that lists <paramref name="client"/>; null when none does or none could say.</summary>
    public async Task<DnsBlocklistListing?> CheckAsync(IPAddress client, IReadOnlyList<string> zones, CancellationToken cancellationToken)
    {
        if (zones.Count == 0)
        {
            return null;
        }

        client = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        var answers = await Task.WhenAll(zones.Select(zone => dns.GetAddressesAsync(QueryName(client, zone), AddressFamily.InterNetwork, cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < zones.Count; i++)
        {
            var answer = answers[i];
            if (answer.IsTemporaryFailure)
            {
                LogZoneUnavailable(zones[i], answer.Error);
                continue;
            }

            if (answer.Records.FirstOrDefault(IsListingCode) is { } code)
            {
                return new DnsBlocklistListing(zones[i], code);
            }

            if (answer.Records.Count > 0)
            {
                LogUnexpectedAnswer(zones[i], answer.Records[0]);
            }
        }

        return null;
    }

    /// <summary>
    /// RFC 5782 §2.1 and §2.4: the address's octets (IPv4) or nibbles (IPv6) in reverse order, then
    /// the zone: 192.0.2.99 in bl.example is 99.2.0.192.bl.example.
    /// </summary>
    public static string QueryName(IPAddress client, string zone)
    {
        var bytes = client.GetAddressBytes();
        var name = new StringBuilder(73 + zone.Length);
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (client.AddressFamily == AddressFamily.InterNetworkV6)
            {
                name.Append(CultureInfo.InvariantCulture, $"{bytes[i] & 0xF:x}.{bytes[i] >> 4:x}.");
            }
            else
            {
                name.Append(CultureInfo.InvariantCulture, $"{bytes[i]}.");
            }
        }

        return name.Append(zone.TrimEnd('.')).ToString();
    }

    private static bool IsListingCode(IPAddress answer)
    {
        var bytes = answer.GetAddressBytes();
        return bytes is [127, 0, 0, _];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "DNS blocklist {Zone} did not answer ({Error}); the client is not refused")]
    private partial void LogZoneUnavailable(string zone, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DNS blocklist {Zone} answered {Answer}, which is no listing code (an error code of the list?); the client is not refused")]
    private partial void LogUnexpectedAnswer(string zone, IPAddress answer);
}
