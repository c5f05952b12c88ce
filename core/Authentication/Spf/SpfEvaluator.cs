using System.Net;
using System.Net.Sockets;
using MailCloud.Core.Authentication.Dns;

namespace MailCloud.Core.Authentication.Spf;

/// <summary>
/// check_host() of RFC 7208 §4 over <see cref="IDnsResolver"/>, for the MAIL FROM and HELO
/// identities. Enforces the processing limits of §4.6.4: at most 10 DNS-querying terms (include,
/// a, mx, ptr, exists, redirect) per check, at most 10 MX and 10 PTR names per term, at most 2 void
/// lookups; and an overall time limit (§4.6.4 says at least 20 s) after which the result is temperror.
/// </summary>
public sealed class SpfEvaluator(IDnsResolver dns, TimeProvider time)
{
    public const int MaxDnsTerms = 10;
    public const int MaxVoidLookups = 2;
    public const int MaxNamesPerTerm = 10;

    /// <summary>§4.6.4: an overall limit of at least 20 seconds.</summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The MAIL FROM identity (§2.4). For the null reverse-path the identity is postmaster@HELO and
    /// the result is reported for the HELO name.
    /// </summary>
    public Task<SpfCheck> CheckMailFromAsync(IPAddress client, string mailFrom, string helo, string receivingHost, CancellationToken cancellationToken)
    {
        if (mailFrom.Length == 0)
        {
            return CheckHeloAsync(client, helo, receivingHost, cancellationToken);
        }

        var at = mailFrom.LastIndexOf('@');
        var local = at < 0 ? mailFrom : mailFrom[..at];
        var domain = at < 0 ? helo : mailFrom[(at + 1)..];
        // §4.3: an empty local-part is "postmaster".
        return RunAsync(client, $"{(local.Length == 0 ? "postmaster" : local)}@{domain}", domain, helo, receivingHost, SpfIdentity.MailFrom, cancellationToken);
    }

    /// <summary>The HELO identity (§2.3): check_host() of the HELO name with sender postmaster@HELO.</summary>
    public Task<SpfCheck> CheckHeloAsync(IPAddress client, string helo, string receivingHost, CancellationToken cancellationToken) =>
        RunAsync(client, $"postmaster@{helo}", helo, helo, receivingHost, SpfIdentity.Helo, cancellationToken);

    private async Task<SpfCheck> RunAsync(IPAddress client, string sender, string domain, string helo, string receivingHost, SpfIdentity identity, CancellationToken cancellationToken)
    {
        // §5: an IPv4-mapped IPv6 address is an IPv4 address.
        var ip = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        var check = new Evaluation(dns, ip);
        var context = new SpfMacroContext(ip, sender, helo, domain, receivingHost, time.GetUtcNow(), check.ValidatedNameAsync);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(DefaultTimeLimit);
        try
        {
            var outcome = await check.CheckHostAsync(context, topLevel: true, limit.Token).ConfigureAwait(false);
            return new SpfCheck(outcome.Result, identity, domain, sender, outcome.Explanation, outcome.Problem, check.Queries);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SpfCheck(SpfResult.TempError, identity, domain, sender, Problem: "time limit exceeded", DnsLookups: check.Queries);
        }
    }

    /// <summary>§4.3: a multi-label name with labels of 1 to 63 octets and at most 253 in all; no address literal.</summary>
    public static bool IsValidDomain(string domain)
    {
        var name = domain.EndsWith('.') ? domain[..^1] : domain;
        if (name.Length is 0 or > 253 || name.StartsWith('['))
        {
            return false;
        }

        var labels = name.Split('.');
        return labels.Length >= 2 && labels.All(label => label.Length is > 0 and <= 63);
    }

    private readonly record struct Outcome(SpfResult Result, string? Explanation = null, string? Problem = null);

    /// <summary>The state of one check: the limits are counted across include and redirect.</summary>
    private sealed class Evaluation(IDnsResolver dns, IPAddress client)
    {
        private int _dnsTerms;
        private int _voidLookups;

        public int Queries { get; private set; }

        private AddressFamily Family => client.AddressFamily;

        public async Task<Outcome> CheckHostAsync(SpfMacroContext context, bool topLevel, CancellationToken cancellationToken)
        {
            var domain = context.Domain;
            if (!IsValidDomain(domain))
            {
                return new Outcome(SpfResult.None, Problem: $"'{domain}' is not a valid domain");
            }

            // §4.4: the record is a TXT record of the domain.
            var txt = await TxtAsync(domain, cancellationToken).ConfigureAwait(false);
            if (txt.IsTemporaryFailure)
            {
                return new Outcome(SpfResult.TempError, Problem: txt.Error);
            }

            var records = txt.Records.Where(SpfRecord.IsSpfRecord).ToList();
            if (records.Count == 0)
            {
                return new Outcome(SpfResult.None);
            }

            // §4.5: more than one record is a permerror.
            if (records.Count > 1)
            {
                return new Outcome(SpfResult.PermError, Problem: $"{domain} publishes {records.Count} SPF records");
            }

            SpfRecord record;
            try
            {
                record = SpfRecord.Parse(records[0]);
            }
            catch (SpfSyntaxException ex)
            {
                return new Outcome(SpfResult.PermError, Problem: $"{domain}: {ex.Message}");
            }

            try
            {
                return await EvaluateAsync(record, context, topLevel, cancellationToken).ConfigureAwait(false);
            }
            catch (SpfLimitException ex)
            {
                return new Outcome(SpfResult.PermError, Problem: ex.Message);
            }
        }

        private async Task<Outcome> EvaluateAsync(SpfRecord record, SpfMacroContext context, bool topLevel, CancellationToken cancellationToken)
        {
            foreach (var mechanism in record.Mechanisms)
            {
                if (mechanism.QueriesDns)
                {
                    CountDnsTerm();
                }

                var match = await MatchAsync(mechanism, context, cancellationToken).ConfigureAwait(false);
                if (match.Error is { } error)
                {
                    return error;
                }

                if (!match.Matched)
                {
                    continue;
                }

                var result = mechanism.Qualifier switch
                {
                    SpfQualifier.Pass => SpfResult.Pass,
                    SpfQualifier.Fail => SpfResult.Fail,
                    SpfQualifier.SoftFail => SpfResult.SoftFail,
                    _ => SpfResult.Neutral,
                };

                // §6.2: the explanation is looked up only for fail, only for the record that failed,
                // and only when someone will read it (include's inner results are never shown).
                var explanation = result == SpfResult.Fail && topLevel && record.Explanation is { } exp
                    ? await ExplainAsync(exp, context, cancellationToken).ConfigureAwait(false)
                    : null;
                return new Outcome(result, explanation);
            }

            if (record.Redirect is { } redirect)
            {
                // §6.1: redirect counts as a DNS term; a target without a record is a permerror.
                CountDnsTerm();
                var target = await ExpandDomainAsync(redirect, context, cancellationToken).ConfigureAwait(false);
                var outcome = await CheckHostAsync(context.WithDomain(target), topLevel, cancellationToken).ConfigureAwait(false);
                return outcome.Result == SpfResult.None
                    ? new Outcome(SpfResult.PermError, Problem: $"redirect={target} has no SPF record")
                    : outcome;
            }

            // §4.7: no match and no redirect.
            return new Outcome(SpfResult.Neutral);
        }

        private async Task<Match> MatchAsync(SpfMechanism mechanism, SpfMacroContext context, CancellationToken cancellationToken)
        {
            switch (mechanism.Kind)
            {
                case SpfMechanismKind.All:
                    return Match.Yes;
                case SpfMechanismKind.Ip4:
                case SpfMechanismKind.Ip6:
                    return Match.If(InNetwork(client, mechanism.Network!, mechanism));
                case SpfMechanismKind.Include:
                    return await IncludeAsync(mechanism, context, cancellationToken).ConfigureAwait(false);
                case SpfMechanismKind.A:
                {
                    var target = await TargetAsync(mechanism, context, cancellationToken).ConfigureAwait(false);
                    var addresses = await AddressesAsync(target, Family, countVoid: true, cancellationToken).ConfigureAwait(false);
                    return addresses.IsTemporaryFailure
                        ? Match.Fails(SpfResult.TempError, addresses.Error)
                        : Match.If(addresses.Records.Any(a => InNetwork(client, a, mechanism)));
                }

                case SpfMechanismKind.Mx:
                    return await MxAsync(mechanism, context, cancellationToken).ConfigureAwait(false);
                case SpfMechanismKind.Ptr:
                {
                    var target = await TargetAsync(mechanism, context, cancellationToken).ConfigureAwait(false);
                    var names = await ValidatedNamesAsync(cancellationToken).ConfigureAwait(false);
                    return Match.If(names.Any(name => IsSameOrSubdomain(name, target)));
                }

                case SpfMechanismKind.Exists:
                {
                    // §5.7: always an A query, whatever the client's address family.
                    var target = await ExpandDomainAsync(mechanism.Target!, context, cancellationToken).ConfigureAwait(false);
                    var addresses = await AddressesAsync(target, AddressFamily.InterNetwork, countVoid: true, cancellationToken).ConfigureAwait(false);
                    return addresses.IsTemporaryFailure
                        ? Match.Fails(SpfResult.TempError, addresses.Error)
                        : Match.If(addresses.Records.Count > 0);
                }

                default:
                    throw new InvalidOperationException($"unhandled mechanism {mechanism.Kind}");
            }
        }

        /// <summary>§5.2: pass matches; fail, softfail, neutral do not; temperror stays; none and permerror are permerror.</summary>
        private async Task<Match> IncludeAsync(SpfMechanism mechanism, SpfMacroContext context, CancellationToken cancellationToken)
        {
            var target = await ExpandDomainAsync(mechanism.Target!, context, cancellationToken).ConfigureAwait(false);
            var inner = await CheckHostAsync(context.WithDomain(target), topLevel: false, cancellationToken).ConfigureAwait(false);
            return inner.Result switch
            {
                SpfResult.Pass => Match.Yes,
                SpfResult.Fail or SpfResult.SoftFail or SpfResult.Neutral => Match.No,
                SpfResult.TempError => Match.Fails(SpfResult.TempError, inner.Problem),
                _ => Match.Fails(SpfResult.PermError, inner.Problem ?? $"include:{target} has no SPF record"),
            };
        }

        /// <summary>§5.4: the MX names (at most 10, else permerror), then their addresses.</summary>
        private async Task<Match> MxAsync(SpfMechanism mechanism, SpfMacroContext context, CancellationToken cancellationToken)
        {
            var target = await TargetAsync(mechanism, context, cancellationToken).ConfigureAwait(false);
            var mx = await LookupAsync(target, (name, ct) => dns.GetMxAsync(name, ct), countVoid: true, cancellationToken).ConfigureAwait(false);
            if (mx.IsTemporaryFailure)
            {
                return Match.Fails(SpfResult.TempError, mx.Error);
            }

            if (mx.Records.Count > MaxNamesPerTerm)
            {
                return Match.Fails(SpfResult.PermError, $"mx:{target} has {mx.Records.Count} MX records (limit {MaxNamesPerTerm})");
            }

            // RFC 7505 null MX ("."): no host to match.
            foreach (var exchange in mx.Records.Where(r => r.Exchange.Length > 0).OrderBy(r => r.Preference))
            {
                var addresses = await AddressesAsync(exchange.Exchange, Family, countVoid: false, cancellationToken).ConfigureAwait(false);
                if (addresses.IsTemporaryFailure)
                {
                    return Match.Fails(SpfResult.TempError, addresses.Error);
                }

                if (addresses.Records.Any(a => InNetwork(client, a, mechanism)))
                {
                    return Match.Yes;
                }
            }

            return Match.No;
        }

        /// <summary>
        /// §5.5: the client's PTR names (the first 10) whose forward lookup contains the client's
        /// address. A failed PTR lookup validates nothing; a failed forward lookup skips that name.
        /// </summary>
        private async Task<IReadOnlyList<string>> ValidatedNamesAsync(CancellationToken cancellationToken)
        {
            Queries++;
            var ptr = await dns.GetPtrAsync(client, cancellationToken).ConfigureAwait(false);
            var validated = new List<string>();
            foreach (var name in ptr.Records.Take(MaxNamesPerTerm))
            {
                var addresses = await AddressesAsync(name, Family, countVoid: false, cancellationToken).ConfigureAwait(false);
                if (addresses.Records.Any(a => a.Equals(client)))
                {
                    validated.Add(name);
                }
            }

            return validated;
        }

        /// <summary>%{p} (§7.3): a validated name equal to or under the domain if there is one, else any, else "unknown".</summary>
        public async Task<string> ValidatedNameAsync(string domain, CancellationToken cancellationToken)
        {
            var names = await ValidatedNamesAsync(cancellationToken).ConfigureAwait(false);
            return names.FirstOrDefault(n => IsSameOrSubdomain(n, domain)) ?? names.FirstOrDefault() ?? "unknown";
        }

        /// <summary>§6.2: any problem with the explanation means there is none; it never changes the result.</summary>
        private async Task<string?> ExplainAsync(SpfMacroString exp, SpfMacroContext context, CancellationToken cancellationToken)
        {
            try
            {
                var name = await ExpandDomainAsync(exp, context, cancellationToken).ConfigureAwait(false);
                if (!IsQueryable(name))
                {
                    return null;
                }

                Queries++;
                var txt = await dns.GetTxtAsync(name, cancellationToken).ConfigureAwait(false);
                if (txt.Code != DnsResultCode.Success || txt.Records.Count != 1 || txt.Records[0].Any(c => c is < ' ' or > '~'))
                {
                    return null;
                }

                return await SpfMacroString.Parse(txt.Records[0], explanation: true).ExpandAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (SpfSyntaxException)
            {
                return null;
            }
        }

        private async Task<string> TargetAsync(SpfMechanism mechanism, SpfMacroContext context, CancellationToken cancellationToken) =>
            mechanism.Target is { } spec ? await ExpandDomainAsync(spec, context, cancellationToken).ConfigureAwait(false) : context.Domain;

        /// <summary>§7.3: a trailing dot is dropped, and a name over 253 octets loses labels from the left.</summary>
        private static async Task<string> ExpandDomainAsync(SpfMacroString spec, SpfMacroContext context, CancellationToken cancellationToken)
        {
            var name = await spec.ExpandAsync(context, cancellationToken).ConfigureAwait(false);
            name = name.TrimEnd('.');
            while (name.Length > 253 && name.IndexOf('.') is var dot and >= 0)
            {
                name = name[(dot + 1)..];
            }

            return name;
        }

        private Task<DnsResult<string>> TxtAsync(string name, CancellationToken cancellationToken) =>
            LookupAsync(name, (n, ct) => dns.GetTxtAsync(n, ct), countVoid: false, cancellationToken);

        private Task<DnsResult<IPAddress>> AddressesAsync(string name, AddressFamily family, bool countVoid, CancellationToken cancellationToken) =>
            LookupAsync(name, (n, ct) => dns.GetAddressesAsync(n, family, ct), countVoid, cancellationToken);

        /// <summary>One query; a name DNS cannot carry is answered as NXDOMAIN without asking.</summary>
        private async Task<DnsResult<T>> LookupAsync<T>(string name, Func<string, CancellationToken, Task<DnsResult<T>>> query, bool countVoid, CancellationToken cancellationToken)
        {
            DnsResult<T> result;
            if (IsQueryable(name))
            {
                Queries++;
                result = await query(name, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                result = DnsResult<T>.NonExistent;
            }

            // §4.6.4: more than two lookups answering NXDOMAIN or nothing is a permerror.
            if (countVoid && result.IsVoid && ++_voidLookups > MaxVoidLookups)
            {
                throw new SpfLimitException($"more than {MaxVoidLookups} void DNS lookups");
            }

            return result;
        }

        private void CountDnsTerm()
        {
            if (++_dnsTerms > MaxDnsTerms)
            {
                throw new SpfLimitException($"more than {MaxDnsTerms} DNS-querying terms");
            }
        }

        private static bool IsQueryable(string name) =>
            name.Length is > 0 and <= 253 && name.Split('.').All(label => label.Length is > 0 and <= 63);

        private static bool IsSameOrSubdomain(string name, string domain)
        {
            name = name.TrimEnd('.');
            domain = domain.TrimEnd('.');
            return name.Equals(domain, StringComparison.OrdinalIgnoreCase)
                || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
        }

        private static bool InNetwork(IPAddress address, IPAddress network, SpfMechanism mechanism)
        {
            if (network.IsIPv4MappedToIPv6 && mechanism.Kind != SpfMechanismKind.Ip6)
            {
                network = network.MapToIPv4();
            }

            if (address.AddressFamily != network.AddressFamily)
            {
                return false;
            }

            var prefix = address.AddressFamily == AddressFamily.InterNetwork ? mechanism.Ip4PrefixLength : mechanism.Ip6PrefixLength;
            var a = address.GetAddressBytes();
            var n = network.GetAddressBytes();
            for (var bit = 0; bit < prefix; bit++)
            {
                var mask = 0x80 >> (bit % 8);
                if ((a[bit / 8] & mask) != (n[bit / 8] & mask))
                {
                    return false;
                }
            }

            return true;
        }
    }

    private readonly record struct Match(bool Matched, Outcome? Error)
    {
        public static Match Yes => new(true, null);

        public static Match No => new(false, null);

        public static Match If(bool matched) => new(matched, null);

        public static Match Fails(SpfResult result, string? problem) => new(false, new Outcome(result, Problem: problem));
    }

    /// <summary>A §4.6.4 processing limit was crossed: permerror.</summary>
    private sealed class SpfLimitException(string message) : Exception(message);
}
