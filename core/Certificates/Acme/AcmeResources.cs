using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailCloud.Core.Certificates.Acme;

internal static class AcmeJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>RFC 8555 §7.1.1. <see cref="RenewalInfo"/> is RFC 9773 (ARI), when the server offers it.</summary>
public sealed record AcmeDirectory(Uri NewNonce, Uri NewAccount, Uri NewOrder, Uri? RenewalInfo, AcmeDirectoryMeta? Meta);

public sealed record AcmeDirectoryMeta(Uri? TermsOfService, bool ExternalAccountRequired);

/// <summary>RFC 8555 §9.7.1 status values, as they appear on the wire.</summary>
public static class AcmeStatus
{
    public const string Pending = "pending";
    public const string Ready = "ready";
    public const string Processing = "processing";
    public const string Valid = "valid";
    public const string Invalid = "invalid";
}

public sealed record AcmeIdentifier(string Type, string Value)
{
    public static AcmeIdentifier Dns(string name) => new("dns", name);
}

/// <summary>RFC 8555 §7.1.3.</summary>
public sealed record AcmeOrder(string Status, IReadOnlyList<AcmeIdentifier> Identifiers, IReadOnlyList<Uri> Authorizations, Uri Finalize, Uri? Certificate, AcmeProblem? Error);

/// <summary>RFC 8555 §7.1.4.</summary>
public sealed record AcmeAuthorization(string Status, AcmeIdentifier Identifier, IReadOnlyList<AcmeChallenge> Challenges);

/// <summary>RFC 8555 §8.</summary>
public sealed record AcmeChallenge(string Type, Uri Url, string Status, string? Token, AcmeProblem? Error)
{
    public const string Http01 = "http-01";
}

/// <summary>An order and where it lives (the Location of newOrder's answer, RFC 8555 §7.4).</summary>
public sealed record AcmeOrderHandle(Uri Url, AcmeOrder Order);
