using System.Buffers;
using System.Net;
using System.Text;
using MailCloud.Gateway.Hosting.Proxy;

namespace MailCloud.Gateway.Tests.Hosting;

public sealed class ProxyProtocolParserTests
{
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] V2Tcp4(IPEndPoint source, IPEndPoint destination, byte command = 0x21)
    {
        var header = new List<byte>(V2Signature) { command, 0x11, 0x00, 12 };
        header.AddRange(source.Address.GetAddressBytes());
        header.AddRange(destination.Address.GetAddressBytes());
        header.AddRange([(byte)(source.Port >> 8), (byte)source.Port, (byte)(destination.Port >> 8), (byte)destination.Port]);
        return [.. header];
    }

    private static (ProxyProtocolHeader Header, long Consumed) Parse(byte[] bytes)
    {
        var sequence = new ReadOnlySequence<byte>(bytes);
        Assert.True(ProxyProtocolParser.TryParse(sequence, out var header, out var consumed));
        return (header, sequence.Slice(0, consumed).Length);
    }

    [Fact]
    public void Parses_v1_tcp4_and_leaves_the_client_bytes()
    {
        var bytes = Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 10.0.0.1 51234 25\r\nEHLO x\r\n");
        var (header, consumed) = Parse(bytes);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 51234), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 25), header.Destination);
        Assert.Equal(bytes.Length - "EHLO x\r\n".Length, consumed);
    }

    [Fact]
    public void Parses_v1_tcp6_and_unknown()
    {
        Assert.Equal(IPAddress.Parse("2001:db8::1"), Parse(Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n")).Header.Source!.Address);
        Assert.Null(Parse(Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n")).Header.Source);
    }

    [Fact]
    public void Parses_v2_proxy_and_local()
    {
        var source = new IPEndPoint(IPAddress.Parse("198.51.100.9"), 40000);
        var destination = new IPEndPoint(IPAddress.Parse("10.1.2.3"), 587);
        var (header, consumed) = Parse([.. V2Tcp4(source, destination), .. "EHLO"u8.ToArray()]);
        Assert.Equal(2, header.Version);
        Assert.Equal(source, header.Source);
        Assert.Equal(destination, header.Destination);
        Assert.Equal(28, consumed);
        Assert.Null(Parse(V2Tcp4(source, destination, command: 0x20)).Header.Source);
    }

    [Fact]
    public void Asks_for_more_bytes_while_the_header_is_incomplete()
    {
        var full = V2Tcp4(new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2));
        for (var length = 0; length < full.Length; length++)
        {
            Assert.False(ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(full, 0, length), out _, out _));
        }

        Assert.False(ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.4")), out _, out _));
    }

    [Theory]
    [InlineData("EHLO client\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n")]
    [InlineData("PROXY TCP4 ::1 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n")]
    [InlineData("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    public void Refuses_what_is_not_a_valid_header(string text)
    {
        Assert.Throws<ProxyProtocolException>(() => ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out _, out _));
    }

    [Fact]
    public void Refuses_an_endless_v1_line()
    {
        var text = Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 200));
        Assert.Throws<ProxyProtocolException>(() => ProxyProtocolParser.TryParse(new ReadOnlySequence<byte>(text), out _, out _));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.200.3.4", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "::ffff:127.0.0.1", true)]
    [InlineData("fd00::/8", "fd12::1", true)]
    public void Trusted_proxies_match_addresses_and_ranges(string entry, string address, bool trusted)
    {
        Assert.Equal(trusted, new TrustedProxies([entry]).Contains(IPAddress.Parse(address)));
    }
}
