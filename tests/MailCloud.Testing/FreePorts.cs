using System.Net;
using System.Net.Sockets;

namespace MailCloud.Testing;

/// <summary>Loopback TCP ports free at the moment of asking (another process may take one before it is bound).</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
