using System.Net;

namespace MailCloud.Gateway.Hosting;

/// <summary>Why the framework turned a connection away before its session started.</summary>
public enum ConnectionRefusal
{
    /// <summary>The listener is at <see cref="ListenerOptions.MaxConnections"/>.</summary>
    ListenerFull,

    /// <summary>This client address is at <see cref="ListenerOptions.MaxConnectionsPerClient"/>.</summary>
    TooManyFromClient,
}

/// <summary>Counts one listener's open connections, in total and per client address.</summary>
internal sealed class ConnectionLimiter(ListenerOptions listener)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, int> _perClient = [];
    private int _total;

    public bool TryAcquire(IPAddress client, out ConnectionRefusal refusal)
    {
        client = Normalize(client);
        lock (_lock)
        {
            if (_total >= listener.MaxConnections)
            {
                refusal = ConnectionRefusal.ListenerFull;
                return false;
            }

            _perClient.TryGetValue(client, out var fromClient);
            if (fromClient >= listener.MaxConnectionsPerClient)
            {
                refusal = ConnectionRefusal.TooManyFromClient;
                return false;
            }

            _total++;
            _perClient[client] = fromClient + 1;
            refusal = default;
            return true;
        }
    }

    public void Release(IPAddress client)
    {
        client = Normalize(client);
        lock (_lock)
        {
            _total--;
            if (_perClient.TryGetValue(client, out var fromClient) && fromClient > 1)
            {
                _perClient[client] = fromClient - 1;
            }
            else
            {
                _perClient.Remove(client);
            }
        }
    }

    // ::ffff:1.2.3.4 and 1.2.3.4 are the same client on a dual-stack socket.
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
