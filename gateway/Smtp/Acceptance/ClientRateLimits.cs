using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace MailCloud.Gateway.Smtp.Acceptance;

/// <summary>
/// The MX's per-client rates (Postfix's anvil: <c>smtpd_client_connection_rate_limit</c>,
/// <c>_message_rate_limit</c>, <c>_recipient_rate_limit</c>): connections, transactions (MAIL) and
/// recipients (RCPT, accepted or not) per minute, in sliding windows of ten-second segments, per
/// client address; IPv6 clients by their /64, which one host usually owns whole. Per gateway replica,
/// like the connection limits. A limit of zero is no limit.
/// </summary>
internal sealed class ClientRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress>? _connections;
    private readonly PartitionedRateLimiter<IPAddress>? _messages;
    private readonly PartitionedRateLimiter<IPAddress>? _recipients;

    public ClientRateLimits(IOptions<SmtpOptions> options)
    {
        var limits = options.Value;
        _connections = Create(limits.ClientConnectionsPerMinute);
        _messages = Create(limits.ClientMessagesPerMinute);
        _recipients = Create(limits.ClientRecipientsPerMinute);
    }

    public bool TryConnect(IPAddress client) => TryTake(_connections, client);

    public bool TryStartMessage(IPAddress client) => TryTake(_messages, client);

    public bool TryAddRecipient(IPAddress client) => TryTake(_recipients, client);

    /// <summary>What a client's rates are counted under: the address, or an IPv6 address's /64.</summary>
    internal static IPAddress ClientKey(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    public void Dispose()
    {
        _connections?.Dispose();
        _messages?.Dispose();
        _recipients?.Dispose();
    }

    private static bool TryTake(PartitionedRateLimiter<IPAddress>? limiter, IPAddress client)
    {
        if (limiter is null)
        {
            return true;
        }

        // A sliding window's permit is spent when taken; disposing the lease gives nothing back.
        using var lease = limiter.AttemptAcquire(ClientKey(client));
        return lease.IsAcquired;
    }

    private static PartitionedRateLimiter<IPAddress>? Create(int perMinute) =>
        perMinute == 0
            ? null
            : PartitionedRateLimiter.Create<IPAddress, IPAddress>(client => RateLimitPartition.GetSlidingWindowLimiter(client, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                SegmentsPerWindow = 6,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
}
