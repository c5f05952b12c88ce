using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace MailCloud.Gateway.Hosting.Proxy;

/// <summary>
/// Parses the PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that a
/// trusted front end (Azure Container Apps TCP ingress, a load balancer) puts before the client's bytes.
/// </summary>
public static class ProxyProtocolParser
{
    /// <summary>§2.1: a v1 line is at most 107 bytes including CRLF.</summary>
    public const int MaxV1Length = 107;

    /// <summary>§2.2: the 12-byte v2 signature.</summary>
    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>Bounded so a hostile proxy cannot make us buffer much; real headers with TLVs are far smaller.</summary>
    private const int MaxV2Length = 16 + 1024;

    /// <summary>
    /// Tries to parse a header at the start of <paramref name="buffer"/>. Returns false when more
    /// bytes are needed; throws <see cref="ProxyProtocolException"/> when the bytes cannot be a header.
    /// </summary>
    public static bool TryParse(ReadOnlySequence<byte> buffer, out ProxyProtocolHeader header, out SequencePosition consumed)
    {
        header = null!;
        consumed = buffer.Start;
        var reader = new SequenceReader<byte>(buffer);

        Span<byte> head = stackalloc byte[16];
        var available = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, available).CopyTo(head);
        head = head[..available];

        if (head.Length > 0 && head[0] == V2Signature[0])
        {
            if (!V2Signature[..Math.Min(head.Length, 12)].SequenceEqual(head[..Math.Min(head.Length, 12)]))
            {
                throw new ProxyProtocolException("not a PROXY protocol header");
            }

            if (head.Length < 16)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(head[14..16]);
            if (16 + length > MaxV2Length)
            {
                throw new ProxyProtocolException($"PROXY v2 header of {length} bytes is too long");
            }

            if (buffer.Length < 16 + length)
            {
                return false;
            }

            var body = buffer.Slice(16, length).ToArray();
            header = ParseV2(head[12], head[13], body);
            consumed = buffer.GetPosition(16 + length);
            return true;
        }

        var prefixLength = Math.Min(head.Length, V1Prefix.Length);
        if (!V1Prefix[..prefixLength].SequenceEqual(head[..prefixLength]))
        {
            throw new ProxyProtocolException("not a PROXY protocol header");
        }

        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
        {
            if (buffer.Length >= MaxV1Length)
            {
                throw new ProxyProtocolException("PROXY v1 line is too long");
            }

            return false;
        }

        if (line.Length + 2 > MaxV1Length)
        {
            throw new ProxyProtocolException("PROXY v1 line is too long");
        }

        header = ParseV1(Encoding.ASCII.GetString(line));
        consumed = reader.Position;
        return true;
    }

    // §2.1: "PROXY TCP4 <src> <dst> <sport> <dport>", or "PROXY UNKNOWN ...".
    private static ProxyProtocolHeader ParseV1(string line)
    {
        var fields = line.Split(' ');
        if (fields.Length >= 2 && fields[1] == "UNKNOWN")
        {
            return new ProxyProtocolHeader(1, null, null);
        }

        if (fields.Length != 6 || fields[1] is not ("TCP4" or "TCP6"))
        {
            throw new ProxyProtocolException("malformed PROXY v1 line");
        }

        var family = fields[1] == "TCP4" ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        return new ProxyProtocolHeader(1, V1EndPoint(fields[2], fields[4], family), V1EndPoint(fields[3], fields[5], family));
    }

    private static IPEndPoint V1EndPoint(string address, string port, System.Net.Sockets.AddressFamily family)
    {
        if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != family)
        {
            throw new ProxyProtocolException($"bad address '{address}' in PROXY v1 line");
        }

        if (!ushort.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || (port.Length > 1 && port[0] == '0'))
        {
            throw new ProxyProtocolException($"bad port '{port}' in PROXY v1 line");
        }

        return new IPEndPoint(ip, number);
    }

    // §2.2: version/command byte, family/transport byte, then the addresses (TLVs after them are ignored).
    private static ProxyProtocolHeader ParseV2(byte versionCommand, byte familyTransport, ReadOnlySpan<byte> body)
    {
        if (versionCommand >> 4 != 2)
        {
            throw new ProxyProtocolException($"PROXY v2 header has version {versionCommand >> 4}");
        }

        switch (versionCommand & 0x0F)
        {
            case 0x0:
                return new ProxyProtocolHeader(2, null, null);
            case 0x1:
                break;
            default:
                throw new ProxyProtocolException($"PROXY v2 header has unknown command {versionCommand & 0x0F}");
        }

        var addressLength = (familyTransport >> 4) switch
        {
            0x1 => 4,
            0x2 => 16,
            0x0 => 0,
            _ => throw new ProxyProtocolException("PROXY v2 header carries a non-IP address family"),
        };
        if (addressLength == 0)
        {
            return new ProxyProtocolHeader(2, null, null);
        }

        if (body.Length < 2 * addressLength + 4)
        {
            throw new ProxyProtocolException("PROXY v2 address block is truncated");
        }

        var source = new IPAddress(body[..addressLength]);
        var destination = new IPAddress(body.Slice(addressLength, addressLength));
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(body.Slice(2 * addressLength, 2));
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(body.Slice(2 * addressLength + 2, 2));
        return new ProxyProtocolHeader(2, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
    }
}
