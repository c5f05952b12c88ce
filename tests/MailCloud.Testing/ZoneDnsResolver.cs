using System.Net;
using System.Net.Sockets;
using MailCloud.Core.Authentication.Dns;

namespace MailCloud.Testing;

/// <summary>
/// An <see cref="IDnsResolver"/> answering from zone data held in memory, as a recursive resolver
/// would: names are case-insensitive, CNAMEs are followed (a loop is a failure), a name that is
/// absent is NXDOMAIN and one without the asked type is NODATA. A <see cref="Timeout"/> entry makes
/// queries of that name time out, unless an entry of the asked type came before it (the openspf.org
/// suite's convention).
/// </summary>
public sealed class ZoneDnsResolver : IDnsResolver
{
    public const string Timeout = "TIMEOUT";

    private readonly Dictionary<string, List<ZoneEntry>> _zone = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every query asked, as "TYPE name", in order.</summary>
    public List<string> Queries { get; } = [];

    /// <summary>Adds a record; <paramref name="type"/> is A, AAAA, MX, TXT, PTR, CNAME or <see cref="Timeout"/>.</summary>
    public ZoneDnsResolver Add(string name, string type, object? value = null)
    {
        var key = Normalize(name);
        if (!_zone.TryGetValue(key, out var entries))
        {
            _zone[key] = entries = [];
        }

        entries.Add(new ZoneEntry(type.ToUpperInvariant(), value));
        return this;
    }

    public ZoneDnsResolver AddTxt(string name, string text) => Add(name, "TXT", text);

    public Task<DnsResult<string>> GetTxtAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Query(name, "TXT", v => v is string text ? text : string.Concat((IEnumerable<string>)v!)));

    public Task<DnsResult<IPAddress>> GetAddressesAsync(string name, AddressFamily family, CancellationToken cancellationToken) =>
        Task.FromResult(Query(name, family == AddressFamily.InterNetworkV6 ? "AAAA" : "A", v => v as IPAddress ?? IPAddress.Parse((string)v!)));

    public Task<DnsResult<DnsMx>> GetMxAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(Query(name, "MX", v => (DnsMx)v!));

    public Task<DnsResult<string>> GetPtrAsync(IPAddress address, CancellationToken cancellationToken) =>
        Task.FromResult(Query(Normalize(address.GetArpaName()), "PTR", v => Normalize((string)v!)));

    private DnsResult<T> Query<T>(string name, string type, Func<object?, T> convert)
    {
        lock (Queries)
        {
            Queries.Add($"{type} {Normalize(name)}");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var current = Normalize(name);
        while (true)
        {
            if (!seen.Add(current))
            {
                return DnsResult<T>.Failed($"CNAME loop at {current}");
            }

            if (!_zone.TryGetValue(current, out var entries))
            {
                return DnsResult<T>.NonExistent;
            }

            var cname = entries.FirstOrDefault(e => e.Type == "CNAME");
            if (cname is not null)
            {
                current = Normalize((string)cname.Value!);
                continue;
            }

            var records = new List<T>();
            foreach (var entry in entries)
            {
                if (entry.Type == Timeout)
                {
                    if (records.Count == 0)
                    {
                        return DnsResult<T>.Failed($"{type} {current}: timed out");
                    }

                    break;
                }

                if (entry.Type == type)
                {
                    records.Add(convert(entry.Value));
                }
            }

            return DnsResult<T>.Found(records);
        }
    }

    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    private sealed record ZoneEntry(string Type, object? Value);
}
