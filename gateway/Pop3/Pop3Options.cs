using System.ComponentModel.DataAnnotations;

namespace MailCloud.Gateway.Pop3;

/// <summary>POP3 limits (section "Pop3").</summary>
public sealed class Pop3Options
{
    public const string SectionName = "Pop3";

    /// <summary>RFC 2449 §4: command lines are at most 255 octets including CRLF.</summary>
    [Range(64, 8192)] public int MaxCommandLineLength { get; set; } = 255;

    /// <summary>An AUTH continuation line (base64 of the SASL response) may be longer than a command.</summary>
    [Range(64, 65536)] public int MaxAuthLineLength { get; set; } = 4096;

    /// <summary>Unknown or malformed commands tolerated before the server says -ERR and closes.</summary>
    [Range(1, 1000)] public int MaxBadCommands { get; set; } = 10;
}
