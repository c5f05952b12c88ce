using System.Net;
using MailCloud.Core.Authentication.Dnsbl;

namespace MailCloud.Core.Tests.Authentication.Dnsbl;

/// <summary>The names a DNS blocklist is asked (RFC 5782 §2.1, §2.4, and §5's test addresses).</summary>
public sealed class DnsBlocklistQueryNameTests
{
    [Theory]
    [InlineData("192.0.2.99", "bl.example", "99.2.0.192.bl.example")]
    [InlineData("127.0.0.2", "zen.spamhaus.org.", "2.0.0.127.zen.spamhaus.org")]
    [InlineData("2001:DB8:1:2:3:4:567:89AB", "ugly.example.com", "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com")]
    [InlineData("::1", "v6.example", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.v6.example")]
    public void The_address_is_reversed_by_octet_or_by_nibble_in_front_of_the_zone(string address, string zone, string expected) =>
        Assert.Equal(expected, DnsBlocklistChecker.QueryName(IPAddress.Parse(address), zone));
}
