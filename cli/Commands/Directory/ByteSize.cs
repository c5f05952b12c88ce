using System.Globalization;

namespace MailCloud.Cli.Commands;

/// <summary>Sizes as people write them: 500MB and 1GB are decimal (SI), 2GiB is binary (IEC), a plain number is bytes.</summary>
internal static class ByteSize
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("B", 1),
    ];

    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        var trimmed = text.Trim();
        var (suffix, factor) = Units.FirstOrDefault(u => trimmed.EndsWith(u.Suffix, StringComparison.OrdinalIgnoreCase));
        var number = suffix is null ? trimmed : trimmed[..^suffix.Length].TrimEnd();
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            return false;
        }

        var total = value * (suffix is null ? 1 : factor);
        if (total > long.MaxValue || total != decimal.Truncate(total))
        {
            return false;
        }

        bytes = (long)total;
        return true;
    }

    /// <summary>The largest binary unit that shows the size exactly, e.g. "1 GiB", "1500000 B".</summary>
    public static string Format(long bytes)
    {
        foreach (var (suffix, factor) in Units.Where(u => u.Suffix.EndsWith("iB", StringComparison.Ordinal)).Reverse())
        {
            if (bytes >= factor && bytes % factor == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{bytes / factor} {suffix}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
    }
}
