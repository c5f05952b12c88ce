using System.Globalization;

namespace MailCloud.Core.Mailboxes.Blobs;

/// <summary>
/// What a message blob's metadata holds, so one listing with metadata gives a folder's whole
/// message list. Values are ASCII (blob metadata travels as HTTP headers): keywords are
/// percent-encoded, dates are ISO 8601.
/// </summary>
internal sealed record MessageMetadata(MessageFlags Flags, DateTimeOffset InternalDate, ulong ModSeq)
{
    private const string FlagsKey = "flags";
    private const string KeywordsKey = "keywords";
    private const string InternalDateKey = "internaldate";
    private const string ModSeqKey = "modseq";
    private const string DeliveryKey = "delivery";

    /// <summary>Metadata for a new blob; <paramref name="deliveryHash"/> ties it to its idempotency marker, for operators.</summary>
    public Dictionary<string, string> ToDictionary(string? deliveryHash)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        WriteTo(metadata);
        if (deliveryHash is not null)
        {
            metadata[DeliveryKey] = deliveryHash;
        }

        return metadata;
    }

    /// <summary>This metadata laid over a blob's existing metadata (SetMetadata replaces all of it).</summary>
    public Dictionary<string, string> MergeInto(IDictionary<string, string> existing)
    {
        var metadata = new Dictionary<string, string>(existing, StringComparer.OrdinalIgnoreCase);
        WriteTo(metadata);
        return metadata;
    }

    /// <exception cref="InvalidDataException">The blob's metadata is not what this store writes.</exception>
    public static MessageMetadata Parse(IDictionary<string, string> metadata, string blobName)
    {
        var lookup = new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);
        if (!lookup.TryGetValue(FlagsKey, out var flagsText) || !Enum.TryParse<SystemFlags>(flagsText, out var systemFlags)
            || !lookup.TryGetValue(InternalDateKey, out var dateText) || !DateTimeOffset.TryParse(dateText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var internalDate)
            || !lookup.TryGetValue(ModSeqKey, out var modSeqText) || !ulong.TryParse(modSeqText, NumberStyles.None, CultureInfo.InvariantCulture, out var modSeq))
        {
            throw new InvalidDataException($"Message blob '{blobName}' lacks valid flags, internal date or modseq metadata.");
        }

        var keywords = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (lookup.TryGetValue(KeywordsKey, out var keywordsText))
        {
            foreach (var keyword in keywordsText.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                keywords.Add(Uri.UnescapeDataString(keyword));
            }
        }

        return new MessageMetadata(new MessageFlags(systemFlags, keywords), internalDate, modSeq);
    }

    private void WriteTo(IDictionary<string, string> metadata)
    {
        metadata[FlagsKey] = Flags.System.ToString();
        metadata[KeywordsKey] = string.Join(' ', Flags.Keywords.Order(StringComparer.OrdinalIgnoreCase).Select(Uri.EscapeDataString));
        metadata[InternalDateKey] = InternalDate.ToString("O", CultureInfo.InvariantCulture);
        metadata[ModSeqKey] = ModSeq.ToString(CultureInfo.InvariantCulture);
    }
}
