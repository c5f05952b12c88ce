using System.Globalization;

namespace MailCloud.Core.Authentication.Dmarc;

public enum DmarcPolicy
{
    None,
    Quarantine,
    Reject,
}

public enum DmarcAlignment
{
    Relaxed,
    Strict,
}

/// <summary>A DMARC policy record (RFC 7489 §6.3), the tags that decide a disposition.</summary>
public sealed record DmarcRecord(
    DmarcPolicy Policy,
    DmarcPolicy? SubdomainPolicy,
    int Percent,
    DmarcAlignment DkimAlignment,
    DmarcAlignment SpfAlignment)
{
    /// <summary>§6.3: "v=DMARC1" exactly, and as the first tag.</summary>
    public static bool IsDmarcRecord(string text) =>
        TagValueList.TryParse(text, out var tags) && tags.Order.Count > 0 && tags.Order[0] == "v" && tags["v"] == "DMARC1";

    /// <summary>
    /// Parses a record; null when it must be ignored. §6.6.3 step 6: a missing or invalid p= (or an
    /// invalid sp=) is read as p=none when a rua= is present, else the record is ignored.
    /// </summary>
    public static DmarcRecord? TryParse(string text)
    {
        if (!IsDmarcRecord(text) || !TagValueList.TryParse(text, out var tags))
        {
            return null;
        }

        var policy = ParsePolicy(tags["p"]);
        var subdomainPolicy = tags["sp"] is { } sp ? ParsePolicy(sp) : null;
        if (policy is null || tags.Contains("sp") && subdomainPolicy is null)
        {
            return string.IsNullOrWhiteSpace(tags["rua"]) ? null : new DmarcRecord(DmarcPolicy.None, null, 100, DmarcAlignment.Relaxed, DmarcAlignment.Relaxed);
        }

        var percent = int.TryParse(tags["pct"], NumberStyles.None, CultureInfo.InvariantCulture, out var pct) && pct <= 100 ? pct : 100;
        return new DmarcRecord(policy.Value, subdomainPolicy, percent, ParseAlignment(tags["adkim"]), ParseAlignment(tags["aspf"]));
    }

    private static DmarcPolicy? ParsePolicy(string? value) => value?.ToLowerInvariant() switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => null,
    };

    private static DmarcAlignment ParseAlignment(string? value) =>
        string.Equals(value, "s", StringComparison.OrdinalIgnoreCase) ? DmarcAlignment.Strict : DmarcAlignment.Relaxed;
}
