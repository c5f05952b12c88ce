using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace MailCloud.Core.Authentication.Spf;

public enum SpfQualifier
{
    Pass,
    Fail,
    SoftFail,
    Neutral,
}

public enum SpfMechanismKind
{
    All,
    Include,
    A,
    Mx,
    Ptr,
    Ip4,
    Ip6,
    Exists,
}

/// <summary>One directive (RFC 7208 §4.6.1, §5). <see cref="Target"/> is the domain-spec, null for the current domain.</summary>
public sealed record SpfMechanism(
    SpfQualifier Qualifier,
    SpfMechanismKind Kind,
    SpfMacroString? Target = null,
    IPAddress? Network = null,
    int Ip4PrefixLength = 32,
    int Ip6PrefixLength = 128)
{
    /// <summary>§4.6.4: these count toward the limit of 10 DNS-querying terms.</summary>
    public bool QueriesDns => Kind is SpfMechanismKind.Include or SpfMechanismKind.A or SpfMechanismKind.Mx or SpfMechanismKind.Ptr or SpfMechanismKind.Exists;
}

/// <summary>A parsed "v=spf1" record. The whole record is checked before any of it is evaluated (§4.6).</summary>
public sealed partial record SpfRecord(IReadOnlyList<SpfMechanism> Mechanisms, SpfMacroString? Redirect, SpfMacroString? Explanation)
{
    private const string Version = "v=spf1";

    /// <summary>§4.5: a record is "v=spf1" alone or followed by a space, in any letter case.</summary>
    public static bool IsSpfRecord(string text) =>
        text.StartsWith(Version, StringComparison.OrdinalIgnoreCase) && (text.Length == Version.Length || text[Version.Length] == ' ');

    /// <exception cref="SpfSyntaxException">Anything against the grammar of §4.6.1, §5, §6 and §7.</exception>
    public static SpfRecord Parse(string text)
    {
        if (!IsSpfRecord(text))
        {
            throw new SpfSyntaxException("not a v=spf1 record");
        }

        // §3.1 and §4.6.1: 7-bit ASCII, terms separated by spaces and nothing else.
        if (text.Any(c => c is < ' ' or > '~'))
        {
            throw new SpfSyntaxException("the record holds a control or non-ASCII character");
        }

        var mechanisms = new List<SpfMechanism>();
        SpfMacroString? redirect = null;
        SpfMacroString? explanation = null;
        foreach (var term in text[Version.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (ModifierPattern().Match(term) is { Success: true } modifier)
            {
                var value = modifier.Groups["value"].Value;
                switch (modifier.Groups["name"].Value.ToLowerInvariant())
                {
                    case "redirect":
                        // §6: redirect and exp each appear at most once.
                        redirect = redirect is null ? DomainSpec(value) : throw new SpfSyntaxException("redirect= appears twice");
                        break;
                    case "exp":
                        explanation = explanation is null ? DomainSpec(value) : throw new SpfSyntaxException("exp= appears twice");
                        break;
                    default:
                        // §6: unknown modifiers are ignored, but must still be macro-strings.
                        SpfMacroString.Parse(value, explanation: false);
                        break;
                }

                continue;
            }

            mechanisms.Add(ParseDirective(term));
        }

        return new SpfRecord(mechanisms, redirect, explanation);
    }

    private static SpfMechanism ParseDirective(string term)
    {
        var qualifier = term[0] switch
        {
            '+' => SpfQualifier.Pass,
            '-' => SpfQualifier.Fail,
            '~' => SpfQualifier.SoftFail,
            '?' => SpfQualifier.Neutral,
            _ => (SpfQualifier?)null,
        };
        var body = qualifier is null ? term : term[1..];
        var nameEnd = body.IndexOfAny([':', '/']);
        var name = (nameEnd < 0 ? body : body[..nameEnd]).ToLowerInvariant();
        var rest = nameEnd < 0 ? "" : body[nameEnd..];
        var q = qualifier ?? SpfQualifier.Pass;
        return name switch
        {
            "all" when rest.Length == 0 => new SpfMechanism(q, SpfMechanismKind.All),
            "include" => new SpfMechanism(q, SpfMechanismKind.Include, RequiredDomain(rest, term)),
            "exists" => new SpfMechanism(q, SpfMechanismKind.Exists, RequiredDomain(rest, term)),
            "ptr" => new SpfMechanism(q, SpfMechanismKind.Ptr, rest.Length == 0 ? null : RequiredDomain(rest, term)),
            "a" => WithDualCidr(q, SpfMechanismKind.A, rest, term),
            "mx" => WithDualCidr(q, SpfMechanismKind.Mx, rest, term),
            "ip4" => Ip4(q, rest, term),
            "ip6" => Ip6(q, rest, term),
            _ => throw new SpfSyntaxException($"unknown or malformed mechanism '{term}'"),
        };
    }

    private static SpfMacroString RequiredDomain(string rest, string term) =>
        rest.StartsWith(':') ? DomainSpec(rest[1..]) : throw new SpfSyntaxException($"'{term}' needs ':' and a domain");

    /// <summary>a and mx: [ ":" domain-spec ] [ ip4-cidr-length ] [ "//" ip6-cidr-length ] (§5.3, §5.4).</summary>
    private static SpfMechanism WithDualCidr(SpfQualifier qualifier, SpfMechanismKind kind, string rest, string term)
    {
        SpfMacroString? target = null;
        var cidr = rest;
        if (rest.StartsWith(':'))
        {
            var match = DomainWithCidrPattern().Match(rest[1..]);
            target = DomainSpec(match.Groups["domain"].Value);
            cidr = rest[(1 + match.Groups["domain"].Length)..];
        }

        var lengths = DualCidrPattern().Match(cidr);
        if (!lengths.Success)
        {
            throw new SpfSyntaxException($"bad CIDR length in '{term}'");
        }

        return new SpfMechanism(
            qualifier,
            kind,
            target,
            Ip4PrefixLength: PrefixLength(lengths.Groups["ip4"], 32, term),
            Ip6PrefixLength: PrefixLength(lengths.Groups["ip6"], 128, term));
    }

    private static SpfMechanism Ip4(SpfQualifier qualifier, string rest, string term)
    {
        var match = Ip4Pattern().Match(rest);
        if (!match.Success || match.Groups["octet"].Captures.Any(o => o.Value.Length > 1 && o.Value[0] == '0' || int.Parse(o.Value) > 255))
        {
            throw new SpfSyntaxException($"bad ip4 network in '{term}'");
        }

        return new SpfMechanism(qualifier, SpfMechanismKind.Ip4, Network: IPAddress.Parse(match.Groups["address"].Value), Ip4PrefixLength: PrefixLength(match.Groups["length"], 32, term));
    }

    private static SpfMechanism Ip6(SpfQualifier qualifier, string rest, string term)
    {
        var match = Ip6Pattern().Match(rest);
        if (!match.Success || !IPAddress.TryParse(match.Groups["address"].Value, out var network) || network.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new SpfSyntaxException($"bad ip6 network in '{term}'");
        }

        return new SpfMechanism(qualifier, SpfMechanismKind.Ip6, Network: network, Ip6PrefixLength: PrefixLength(match.Groups["length"], 128, term));
    }

    private static int PrefixLength(Group group, int max, string term)
    {
        if (!group.Success)
        {
            return max;
        }

        // Leading zeros are refused like those of ip4-network's dec-octet.
        if (group.Value.Length > 1 && group.Value[0] == '0' || !int.TryParse(group.Value, out var length) || length > max)
        {
            throw new SpfSyntaxException($"bad CIDR length in '{term}'");
        }

        return length;
    }

    /// <summary>§7.1: domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand.</summary>
    private static SpfMacroString DomainSpec(string text)
    {
        var spec = SpfMacroString.Parse(text, explanation: false);
        if (spec.EndsWithMacro)
        {
            return spec;
        }

        var literal = spec.TrailingLiteral;
        if (literal.EndsWith('.'))
        {
            literal = literal[..^1];
        }

        var dot = literal.LastIndexOf('.');
        if (dot < 0 || !TopLabelPattern().IsMatch(literal[(dot + 1)..]))
        {
            throw new SpfSyntaxException($"'{text}' is not a domain-spec");
        }

        return spec;
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z][A-Za-z0-9_.\-]*)=(?<value>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex ModifierPattern();

    // The domain-spec may itself hold '/' (any visible character but '%'): the CIDR is only a numeric suffix.
    [GeneratedRegex(@"^(?<domain>.*?)(?:/[0-9]+)?(?://[0-9]+)?$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex DomainWithCidrPattern();

    [GeneratedRegex(@"^(?:/(?<ip4>[0-9]+))?(?://(?<ip6>[0-9]+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex DualCidrPattern();

    [GeneratedRegex(@"^:(?<address>(?<octet>[0-9]{1,3})\.(?<octet>[0-9]{1,3})\.(?<octet>[0-9]{1,3})\.(?<octet>[0-9]{1,3}))(?:/(?<length>[0-9]+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Ip4Pattern();

    [GeneratedRegex(@"^:(?<address>[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(?:/(?<length>[0-9]+))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Ip6Pattern();

    // toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
    [GeneratedRegex(@"^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9])$", RegexOptions.CultureInvariant)]
    private static partial Regex TopLabelPattern();
}
