using System.Globalization;

namespace MailCloud.Core.Sieve.Language;

/// <summary>The date parts of RFC 5260 §4.2 and the zones of §4.1 (<c>+hhmm</c>/<c>-hhmm</c>).</summary>
internal static class SieveDates
{
    public static bool TryParseZone(string text, out TimeSpan offset)
    {
        offset = default;
        if (text.Length != 5 || text[0] is not ('+' or '-') || text.AsSpan(1).ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }
        int hours = int.Parse(text.AsSpan(1, 2), CultureInfo.InvariantCulture);
        int minutes = int.Parse(text.AsSpan(3, 2), CultureInfo.InvariantCulture);
        if (hours > 23 || minutes > 59)
        {
            return false;
        }
        offset = new TimeSpan(hours, minutes, 0);
        if (text[0] == '-')
        {
            offset = -offset;
        }
        return true;
    }

    public static string Zone(TimeSpan offset) =>
        (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString("hhmm", CultureInfo.InvariantCulture);

    /// <summary>The named part of <paramref name="date"/> (already in the zone the test asked for), or null for an unknown part.</summary>
    public static string? Part(DateTimeOffset date, string part)
    {
        var c = CultureInfo.InvariantCulture;
        return part.ToLowerInvariant() switch
        {
            "year" => date.ToString("yyyy", c),
            "month" => date.ToString("MM", c),
            "day" => date.ToString("dd", c),
            "date" => date.ToString("yyyy-MM-dd", c),
            // RFC 5260 §4.2: the Modified Julian Day, days since 1858-11-17.
            "julian" => ((int)(date.Date - new DateTime(1858, 11, 17)).TotalDays).ToString(c),
            "hour" => date.ToString("HH", c),
            "minute" => date.ToString("mm", c),
            "second" => date.ToString("ss", c),
            "time" => date.ToString("HH:mm:ss", c),
            "iso8601" => date.ToString("yyyy-MM-dd'T'HH:mm:ss", c) + (date.Offset == TimeSpan.Zero ? "Z" : date.ToString("zzz", c)),
            "std11" => date.ToString("ddd, dd MMM yyyy HH:mm:ss ", c) + Zone(date.Offset),
            "zone" => Zone(date.Offset),
            "weekday" => ((int)date.DayOfWeek).ToString(c),
            _ => null,
        };
    }
}
