using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace MailCloud.Core.Pipeline.Relay;

/// <summary>Where to connect for a remote domain, or why there is nowhere.</summary>
public abstract record MxResolution
{
    /// <summary>Hosts in the order to try them, each with its addresses.</summary>
    public sealed record Hosts(IReadOnlyList<RelayHost> Targets) : MxResolution;

    /// <summary>The domain publishes a null MX (RFC 7505): it accepts no mail.</summary>
    public sealed record NullMx : MxResolution;

    /// <summary>NXDOMAIN, or neither MX nor address records.</summary>
    public sealed record NoSuchDomain : MxResolution;

    /// <summary>DNS did not answer; try later.</summary>
    public sealed record TemporaryFailure(string Reason) : MxResolution;
}

public sealed record RelayHost(string HostName, IReadOnlyList<IPAddress> Addresses);

/// <summary>
/// RFC 5321 §5.1 MX resolution with DnsClient: MX records by preference (equal preferences in
/// random order), address records of each exchange, the domain itself when there is no MX, and
/// RFC 7505 null MX. Addresses are resolved here, not by the SMTP client, so one configured DNS
/// server answers everything.
/// </summary>
public sealed class MxResolver(ILookupClient dns)
{
    public async Task<MxResolution> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await dns.QueryAsync(domain, QueryType.MX, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException ex)
        {
            return new MxResolution.TemporaryFailure($"MX lookup for {domain} failed: {ex.Message}");
        }

        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return new MxResolution.NoSuchDomain();
        }

        if (response.HasError)
        {
            return new MxResolution.TemporaryFailure($"MX lookup for {domain} failed: {response.ErrorMessage}");
        }

        var mx = response.Answers.MxRecords().ToList();
        // RFC 7505 §3: a single MX with an empty exchange ("."): no mail for this domain.
        if (mx.Count == 1 && mx[0].Exchange.Value is "." or "")
        {
            return new MxResolution.NullMx();
        }

        var exchanges = mx.Count == 0
            ? [domain] // RFC 5321 §5.1: no MX, the domain itself is the implicit MX.
            : mx.GroupBy(r => r.Preference).OrderBy(g => g.Key)
                .SelectMany(g => g.OrderBy(_ => Random.Shared.Next()))
                .Select(r => r.Exchange.Value.TrimEnd('.'))
                .ToList();

        var hosts = new List<RelayHost>();
        string? failure = null;
        foreach (var exchange in exchanges)
        {
            try
            {
                var addresses = await AddressesAsync(exchange, cancellationToken).ConfigureAwait(false);
                if (addresses.Count > 0)
                {
                    hosts.Add(new RelayHost(exchange, addresses));
                }
            }
            catch (DnsResponseException ex)
            {
                failure = $"address lookup for {exchange} failed: {ex.Message}";
            }
        }

        return hosts.Count > 0 ? new MxResolution.Hosts(hosts)
            : failure is not null ? new MxResolution.TemporaryFailure(failure)
            : new MxResolution.NoSuchDomain();
    }

    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return [literal];
        }

        var v4 = await dns.QueryAsync(host, QueryType.A, cancellationToken: cancellationToken).ConfigureAwait(false);
        var v6 = await dns.QueryAsync(host, QueryType.AAAA, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. v4.Answers.ARecords().Select(r => r.Address), .. v6.Answers.AaaaRecords().Select(r => r.Address)];
    }
}
