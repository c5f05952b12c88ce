namespace MailCloud.Core.Authentication.Dns;

/// <summary>
/// How a DNS query ended. The authentication checks need all four apart: RFC 7208 §4.6.4 counts
/// NXDOMAIN and empty answers as "void lookups", and a timeout or SERVFAIL is a temporary error
/// (temperror), never the same as "no record".
/// </summary>
public enum DnsResultCode
{
    /// <summary>RCODE 0 with at least one record of the asked type.</summary>
    Success,

    /// <summary>RCODE 0 with no record of the asked type.</summary>
    NoData,

    /// <summary>RCODE 3 (Name Error): the name does not exist.</summary>
    NonExistentDomain,

    /// <summary>No usable answer: timeout, SERVFAIL, REFUSED, network failure, CNAME loop.</summary>
    TemporaryFailure,
}

/// <summary>The records of one query, or why there are none.</summary>
public sealed record DnsResult<T>(DnsResultCode Code, IReadOnlyList<T> Records, string? Error = null)
{
    public static DnsResult<T> Found(IReadOnlyList<T> records) =>
        records.Count == 0 ? new(DnsResultCode.NoData, []) : new(DnsResultCode.Success, records);

    public static DnsResult<T> NoData { get; } = new(DnsResultCode.NoData, []);

    public static DnsResult<T> NonExistent { get; } = new(DnsResultCode.NonExistentDomain, []);

    public static DnsResult<T> Failed(string error) => new(DnsResultCode.TemporaryFailure, [], error);

    /// <summary>An answer without records: RFC 7208 §4.6.4's "void lookup".</summary>
    public bool IsVoid => Code is DnsResultCode.NoData or DnsResultCode.NonExistentDomain;

    public bool IsTemporaryFailure => Code == DnsResultCode.TemporaryFailure;
}

/// <summary>One MX record (RFC 1035 §3.3.9); an empty exchange is a null MX (RFC 7505).</summary>
public sealed record DnsMx(int Preference, string Exchange);
