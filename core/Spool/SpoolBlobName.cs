using System.Text.RegularExpressions;

namespace MailCloud.Core.Spool;

/// <summary>
/// Spool blob names: <c>yyyy/MM/dd/&lt;messageId&gt;.eml</c> (UTC). The date prefix keeps listings
/// in creation order, so the housekeeping sweep can stop at the first day that is too young.
/// </summary>
public static partial class SpoolBlobName
{
    public const int MaxMessageIdLength = 128;

    private const string Extension = ".eml";

    /// <summary>Builds the blob name for a message accepted at <paramref name="createdAt"/>.</summary>
    /// <exception cref="ArgumentException">The id is empty, too long, or has characters outside [A-Za-z0-9._-].</exception>
    public static string For(string messageId, DateTimeOffset createdAt)
    {
        ValidateMessageId(messageId);
        return $"{createdAt.UtcDateTime:yyyy'/'MM'/'dd}/{messageId}{Extension}";
    }

    public static void ValidateMessageId(string messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        if (!MessageIdPattern().IsMatch(messageId))
        {
            throw new ArgumentException(
                $"A spool message id is 1 to {MaxMessageIdLength} characters of [A-Za-z0-9._-] and not only dots.", nameof(messageId));
        }
    }

    /// <summary>Refuses anything that is not a name this spool could have written (no path tricks).</summary>
    public static void Validate(string spoolBlob)
    {
        ArgumentNullException.ThrowIfNull(spoolBlob);
        if (!BlobNamePattern().IsMatch(spoolBlob))
        {
            throw new ArgumentException($"'{spoolBlob}' is not a spool blob name (yyyy/MM/dd/<messageId>.eml).", nameof(spoolBlob));
        }
    }

    /// <summary>The UTC day a name belongs to, read from its prefix.</summary>
    internal static DateOnly DayOf(string spoolBlob) =>
        new(int.Parse(spoolBlob.AsSpan(0, 4)), int.Parse(spoolBlob.AsSpan(5, 2)), int.Parse(spoolBlob.AsSpan(8, 2)));

    // "." and ".." alone would read as path segments to some tools; require one non-dot character.
    [GeneratedRegex(@"^(?=[A-Za-z0-9._-]{1,128}$)(?!\.+$)[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex MessageIdPattern();

    [GeneratedRegex(@"^[0-9]{4}/[0-9]{2}/[0-9]{2}/(?!\.+\.eml$)[A-Za-z0-9._-]{1,128}\.eml$", RegexOptions.CultureInvariant)]
    private static partial Regex BlobNamePattern();
}
