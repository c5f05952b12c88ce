using System.Net;
using System.Net.Sockets;

namespace MailCloud.Testing;

/// <summary>
/// Loopback ports free for both TCP and UDP at the moment of asking (a DNS server takes both), drawn below Linux's
/// ephemeral range (32768–60999): a port the kernel hands out for port 0 is released before the server binds it,
/// and in that gap an outgoing connection of another test (hundreds run at once against Azurite) may take it as its
/// local port. Ports below the range are never given to outgoing connections; another test may still draw the same
/// one, which across 12,768 ports is unlikely.
/// </summary>
public static class FreePorts
{
    private const int First = 20_000;
    private const int Last = 32_767;

    public static int Next()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(First, Last + 1);
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {Last}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            var endpoint = new IPEndPoint(IPAddress.Loopback, port);
            using var tcp = new TcpListener(endpoint);
            tcp.Start();
            using var udp = new UdpClient(endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
