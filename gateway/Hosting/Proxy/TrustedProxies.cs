using System.Net;

namespace MailCloud.Gateway.Hosting.Proxy;

/// <summary>The peers allowed to send a PROXY header (<see cref="GatewayOptions.TrustedProxies"/>: addresses or CIDR ranges).</summary>
public sealed class TrustedProxies
{
    private readonly IReadOnlyList<IPNetwork> _networks;

    public TrustedProxies(IEnumerable<string> entries)
    {
        _networks = [.. entries.Select(Parse)];
    }

    public bool IsEmpty => _networks.Count == 0;

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return _networks.Any(n => n.Contains(address));
    }

    /// <summary>Accepts "10.0.0.0/8", "fd00::/8" or a bare address (a /32 or /128).</summary>
    public static bool TryParse(string entry, out IPNetwork network)
    {
        if (IPNetwork.TryParse(entry, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(entry, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    private static IPNetwork Parse(string entry) =>
        TryParse(entry, out var network) ? network : throw new FormatException($"'{entry}' is neither an IP address nor a CIDR range.");
}
