using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Authentication.Dns;

/// <summary><see cref="IDnsResolver"/> over DnsClient, asking the configured recursive resolvers (or the system's).</summary>
public sealed class DnsClientResolver : IDnsResolver
{
    private readonly Lazy<LookupClient?> _lookup;

    public DnsClientResolver(IOptions<DnsOptions> options)
    {
        var value = options.Value;
        _lookup = new Lazy<LookupClient?>(() => Create(value));
    }

    /// <summary>
    /// Null when no server is configured and the system names none: every query then fails
    /// temporarily (temperror), which never refuses mail, so a machine without DNS still takes mail.
    /// </summary>
    private static LookupClient? Create(DnsOptions options)
    {
        var servers = options.ServerEndPoints();
        try
        {
            var lookup = servers.Count > 0 ? new LookupClientOptions([.. servers]) : new LookupClientOptions();
            lookup.Timeout = options.Timeout;
            lookup.Retries = options.Retries;
            lookup.UseCache = true;
            lookup.CacheFailedResults = options.NegativeCacheDuration > TimeSpan.Zero;
            if (lookup.CacheFailedResults)
            {
                lookup.FailedResultsCacheDuration = options.NegativeCacheDuration;
            }

            lookup.ThrowDnsErrors = false;
            lookup.ContinueOnDnsError = false;
            return new LookupClient(lookup);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public async Task<DnsResult<string>> GetTxtAsync(string name, CancellationToken cancellationToken)
    {
        var (response, failure) = await QueryAsync(name, QueryType.TXT, cancellationToken).ConfigureAwait(false);
        return failure ?? Map(response!, answers => answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList());
    }

    public async Task<DnsResult<IPAddress>> GetAddressesAsync(string name, AddressFamily family, CancellationToken cancellationToken)
    {
        var type = family == AddressFamily.InterNetworkV6 ? QueryType.AAAA : QueryType.A;
        var (response, failure) = await QueryAsync<IPAddress>(name, type, cancellationToken).ConfigureAwait(false);
        return failure ?? Map(response!, answers => type == QueryType.A
            ? answers.ARecords().Select(r => r.Address).ToList()
            : answers.AaaaRecords().Select(r => r.Address).ToList());
    }

    public async Task<DnsResult<DnsMx>> GetMxAsync(string name, CancellationToken cancellationToken)
    {
        var (response, failure) = await QueryAsync<DnsMx>(name, QueryType.MX, cancellationToken).ConfigureAwait(false);
        return failure ?? Map(response!, answers => answers.MxRecords().Select(r => new DnsMx(r.Preference, TrimDot(r.Exchange.Value))).ToList());
    }

    public async Task<DnsResult<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var name = TrimDot(address.GetArpaName());
        var (response, failure) = await QueryAsync(name, QueryType.PTR, cancellationToken).ConfigureAwait(false);
        return failure ?? Map(response!, answers => answers.PtrRecords().Select(r => TrimDot(r.PtrDomainName.Value)).ToList());
    }

    private Task<(IDnsQueryResponse? Response, DnsResult<string>? Failure)> QueryAsync(string name, QueryType type, CancellationToken cancellationToken) =>
        QueryAsync<string>(name, type, cancellationToken);

    private async Task<(IDnsQueryResponse? Response, DnsResult<T>? Failure)> QueryAsync<T>(string name, QueryType type, CancellationToken cancellationToken)
    {
        if (_lookup.Value is not { } lookup)
        {
            return (null, DnsResult<T>.Failed("no DNS server configured or found"));
        }

        try
        {
            return (await lookup.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false), null);
        }
        catch (DnsResponseException ex)
        {
            return (null, DnsResult<T>.Failed($"{type} {name}: {ex.Message}"));
        }
        catch (ArgumentException)
        {
            // Not a name DNS can carry (a label over 63 octets, an empty label): it cannot exist.
            return (null, DnsResult<T>.NonExistent);
        }
    }

    private static DnsResult<T> Map<T>(IDnsQueryResponse response, Func<IReadOnlyList<DnsResourceRecord>, IReadOnlyList<T>> select) =>
        response.Header.ResponseCode switch
        {
            DnsHeaderResponseCode.NoError => DnsResult<T>.Found(select([.. response.Answers])),
            DnsHeaderResponseCode.NotExistentDomain => DnsResult<T>.NonExistent,
            _ => DnsResult<T>.Failed($"{response.Questions.FirstOrDefault()}: {response.ErrorMessage}"),
        };

    private static string TrimDot(string name) => name.EndsWith('.') ? name[..^1] : name;
}
