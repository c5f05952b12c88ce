namespace MailCloud.Core.Certificates.Acme;

/// <summary>An ACME error document: RFC 7807 problem details with RFC 8555 §6.7 types and subproblems.</summary>
public sealed record AcmeProblem(string? Type, string? Detail, int? Status, IReadOnlyList<AcmeProblem>? Subproblems, AcmeIdentifier? Identifier)
{
    public const string Namespace = "urn:ietf:params:acme:error:";

    /// <summary>The type without the ACME namespace ("badNonce", "rejectedIdentifier"…), or the whole type when it is not one of ACME's.</summary>
    public string ShortType => Type is { } type && type.StartsWith(Namespace, StringComparison.Ordinal) ? type[Namespace.Length..] : Type ?? "";

    public override string ToString()
    {
        var text = $"{ShortType}: {Detail}";
        return Subproblems is { Count: > 0 } parts
            ? $"{text} ({string.Join("; ", parts.Select(p => $"{p.Identifier?.Value}: {p}"))})"
            : text;
    }
}

/// <summary>The ACME server answered with an error document.</summary>
public class AcmeProblemException(AcmeProblem problem, Uri url)
    : Exception($"ACME request to {url} failed: {problem}")
{
    public AcmeProblem Problem { get; } = problem;

    public Uri Url { get; } = url;
}

/// <summary>An order, authorization or challenge ended invalid, or did not finish in the time allowed.</summary>
public sealed class AcmeOrderFailedException(string message, AcmeProblem? problem = null)
    : Exception(problem is null ? message : $"{message}: {problem}")
{
    public AcmeProblem? Problem { get; } = problem;
}

/// <summary>The server's answer is not what RFC 8555 says it must be (a missing header or field).</summary>
public sealed class AcmeProtocolException(string message) : Exception(message);
