namespace MailCloud.Gateway.Tests.Support;

/// <summary>
/// The sending domains the authentication tests publish through dnsmasq (as dnsmasq options).
/// Tests connect from 127.0.0.1: shop.test may send from there, bank.test may not.
/// </summary>
public static class SenderDomains
{
    public static IReadOnlyList<string> DnsmasqRecords { get; } =
    [
        "--local=/test/",
        // bank.test sends only from 192.0.2.1 and rejects what fails DMARC.
        "--txt-record=bank.test,v=spf1 ip4:192.0.2.1 -all",
        "--txt-record=_dmarc.bank.test,v=DMARC1; p=reject",
        "--txt-record=shop.test,v=spf1 ip4:127.0.0.1 -all",
        "--txt-record=_dmarc.shop.test,v=DMARC1; p=reject",
        // news.test publishes no SPF and asks for quarantine.
        "--txt-record=_dmarc.news.test,v=DMARC1; p=quarantine",
    ];
}
