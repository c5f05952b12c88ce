using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MailCloud.Core.Authentication.Spf;

/// <summary>The values macro letters expand to (RFC 7208 §7.2) for one check_host() call.</summary>
public sealed class SpfMacroContext
{
    private readonly Func<string, CancellationToken, Task<string>> _validatedName;
    private string? _validated;

    /// <param name="validatedName">Resolves %{p} for a domain (§7.3): only asked when a macro uses it.</param>
    public SpfMacroContext(
        IPAddress client,
        string sender,
        string helo,
        string domain,
        string receivingHost,
        DateTimeOffset now,
        Func<string, CancellationToken, Task<string>> validatedName)
    {
        Client = client;
        Sender = sender;
        Helo = helo;
        Domain = domain;
        ReceivingHost = receivingHost;
        Now = now;
        _validatedName = validatedName;
    }

    public IPAddress Client { get; }

    /// <summary>local-part@domain of the identity being checked.</summary>
    public string Sender { get; }

    public string Helo { get; }

    /// <summary>&lt;domain&gt;: the domain whose record is being evaluated (changes with include and redirect).</summary>
    public string Domain { get; }

    public string ReceivingHost { get; }

    public DateTimeOffset Now { get; }

    public SpfMacroContext WithDomain(string domain) =>
        new(Client, Sender, Helo, domain, ReceivingHost, Now, _validatedName);

    public async ValueTask<string> ValueOfAsync(char letter, CancellationToken cancellationToken)
    {
        var at = Sender.LastIndexOf('@');
        return letter switch
        {
            's' => Sender,
            'l' => Sender[..at],
            'o' => Sender[(at + 1)..],
            'd' => Domain,
            'i' => DottedAddress(Client),
            'p' => _validated ??= await _validatedName(Domain, cancellationToken).ConfigureAwait(false),
            'v' => Client.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "in-addr",
            'h' => Helo,
            'c' => Client.ToString(),
            'r' => ReceivingHost,
            't' => Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            _ => throw new SpfSyntaxException($"unknown macro letter '{letter}'"),
        };
    }

    /// <summary>§7.3: IPv4 as a dotted quad, IPv6 as 32 dot-separated nibbles.</summary>
    private static string DottedAddress(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        return string.Join('.', bytes.SelectMany(b => new[] { b >> 4, b & 0xF }).Select(n => n.ToString("X", CultureInfo.InvariantCulture)));
    }
}
