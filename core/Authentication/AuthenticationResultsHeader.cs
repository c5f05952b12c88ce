using System.Text;
using MailCloud.Core.Authentication.Arc;
using MailCloud.Core.Authentication.Dkim;
using MailCloud.Core.Authentication.Dmarc;
using MailCloud.Core.Authentication.Spf;

namespace MailCloud.Core.Authentication;

/// <summary>
/// Writes our Authentication-Results header field (RFC 8601 §2.2): the authserv-id, then one
/// resinfo per method, each with its reason as a comment and the properties of §2.7.
/// </summary>
public static class AuthenticationResultsHeader
{
    public const string FieldName = "Authentication-Results";

    /// <param name="arc">The ARC chain's result (RFC 8617 §10.2); recorded only when the message carries a chain or its check said why not.</param>
    public static string Build(string authservId, SpfCheck? spf, IReadOnlyList<DkimCheck> dkim, DmarcCheck? dmarc, ArcCheck? arc = null)
    {
        var results = new List<string>();
        if (spf is not null)
        {
            var property = spf.Identity == SpfIdentity.Helo ? "smtp.helo" : "smtp.mailfrom";
            results.Add($"spf={Name(spf.Result)}{Comment(spf.Problem)} {property}={Value(spf.Domain)}");
        }

        if (dkim.Count == 0 && spf is not null)
        {
            results.Add("dkim=none");
        }

        foreach (var check in dkim)
        {
            var text = new StringBuilder($"dkim={Name(check.Result)}{Comment(check.Reason)}");
            if (check.Domain.Length > 0)
            {
                text.Append(" header.d=").Append(Value(check.Domain));
            }

            if (check.Selector is { Length: > 0 } selector)
            {
                text.Append(" header.s=").Append(Value(selector));
            }

            // RFC 6008: enough of b= to tell signatures of one domain apart.
            if (check.Signature is { Length: > 0 } signature)
            {
                text.Append(" header.b=").Append(Value(signature));
            }

            results.Add(text.ToString());
        }

        if (dmarc is not null)
        {
            var policy = dmarc.Policy is { } p ? $" (p={p.ToString().ToLowerInvariant()} dis={dmarc.Disposition.ToString().ToLowerInvariant()})" : Comment(dmarc.Reason);
            results.Add($"dmarc={Name(dmarc.Result)}{policy} header.from={Value(dmarc.FromDomain ?? "")}");
        }

        if (arc is { } chain && (chain.Instances > 0 || chain.Reason is not null))
        {
            results.Add($"arc={chain.Result.ToString().ToLowerInvariant()}{Comment(chain.Reason ?? $"i={chain.Instances}")}");
        }

        return results.Count == 0
            ? $"{FieldName}: {authservId}; none\r\n"
            : $"{FieldName}: {authservId};\r\n\t{string.Join(";\r\n\t", results)}\r\n";
    }

    public static string Name(SpfResult result) => result.ToString().ToLowerInvariant();

    public static string Name(DkimResult result) => result.ToString().ToLowerInvariant();

    public static string Name(DmarcResult result) => result.ToString().ToLowerInvariant();

    /// <summary>A comment (RFC 5322 §3.2.2) of text that came from DNS or the message: nothing that could close it.</summary>
    private static string Comment(string? text) =>
        string.IsNullOrWhiteSpace(text) ? "" : $" ({string.Concat(text.Where(c => c is >= ' ' and <= '~' and not ('(' or ')' or '\\')))})";

    /// <summary>A property value: a domain or token as is, anything else quoted (RFC 8601 §2.2 pvalue).</summary>
    private static string Value(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+' or '/' or '=')
            ? value
            : $"\"{string.Concat(value.Where(c => c is >= ' ' and <= '~' and not ('"' or '\\')))}\"";
}
