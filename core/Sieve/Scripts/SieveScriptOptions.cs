using System.ComponentModel.DataAnnotations;

namespace MailCloud.Core.Sieve.Scripts;

/// <summary>The script store's limits (configuration section "Sieve"), validated at start; ManageSieve advertises them (RFC 5804 §1.7).</summary>
public sealed class SieveScriptOptions
{
    public const string SectionName = "Sieve";

    /// <summary>The largest script, in octets of UTF-8 (QUOTA/MAXSIZE beyond it).</summary>
    [Range(1, 1 << 20)]
    public int MaxScriptSize { get; set; } = 64 * 1024;

    /// <summary>The most scripts one account may hold (QUOTA/MAXSCRIPTS beyond it).</summary>
    [Range(1, 1000)]
    public int MaxScriptsPerAccount { get; set; } = 16;

    /// <summary>The longest script name in Unicode characters; RFC 5804 §1.6 asks servers to take at least 128.</summary>
    [Range(128, 1024)]
    public int MaxNameLength { get; set; } = 128;

    /// <summary>Compare-and-swap attempts of one change before giving up when other writers keep winning.</summary>
    [Range(1, 1000)]
    public int MaxWriteAttempts { get; set; } = 50;
}
