using System.ComponentModel.DataAnnotations;

namespace MailCloud.Gateway.ManageSieve;

/// <summary>ManageSieve limits (section "ManageSieve").</summary>
public sealed class ManageSieveOptions
{
    public const string SectionName = "ManageSieve";

    /// <summary>One command line, without its literals.</summary>
    [Range(64, 65536)] public int MaxCommandLineLength { get; set; } = 8192;

    /// <summary>All literals of one command before login (as IMAP's): an unauthenticated client cannot make the server buffer a script.</summary>
    [Range(64, 65536)] public int MaxLiteralBeforeLogin { get; set; } = 4096;

    /// <summary>All literals of one command after login; the store's own script size limit answers QUOTA/MAXSIZE below this.</summary>
    [Range(1024, 16 * 1024 * 1024)] public int MaxLiteralAfterLogin { get; set; } = 1024 * 1024;

    /// <summary>The MAXREDIRECTS capability (RFC 5804 §1.7).</summary>
    [Range(1, 1000)] public int MaxRedirects { get; set; } = 4;

    /// <summary>Malformed commands tolerated before the server says BYE and closes.</summary>
    [Range(1, 1000)] public int MaxBadCommands { get; set; } = 10;
}
