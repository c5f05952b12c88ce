using System.Net;
using System.Net.Sockets;

namespace MailCloud.Core.Authentication.Dns;

/// <summary>
/// The DNS questions SPF, DKIM and DMARC ask. Names are absolute, without the trailing dot;
/// CNAMEs are followed by the resolver. Never throws for DNS outcomes: a timeout is a
/// <see cref="DnsResultCode.TemporaryFailure"/>, only cancellation throws.
/// </summary>
public interface IDnsResolver
{
    /// <summary>TXT records; the character-strings of one record are concatenated (RFC 7208 §3.3, RFC 6376 §3.6.2.2).</summary>
    Task<DnsResult<string>> GetTxtAsync(string name, CancellationToken cancellationToken);

    /// <summary>A records for <see cref="AddressFamily.InterNetwork"/>, AAAA for <see cref="AddressFamily.InterNetworkV6"/>.</summary>
    Task<DnsResult<IPAddress>> GetAddressesAsync(string name, AddressFamily family, CancellationToken cancellationToken);

    Task<DnsResult<DnsMx>> GetMxAsync(string name, CancellationToken cancellationToken);

    /// <summary>PTR records of the address's in-addr.arpa / ip6.arpa name.</summary>
    Task<DnsResult<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken);
}
