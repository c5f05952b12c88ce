using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailCloud.Core.Queueing.StorageQueues;

/// <summary>
/// What a Storage Queue message holds: a small JSON wrapper around the original body, because a
/// storage queue message has no properties of its own. It carries the sender's message id (which
/// Service Bus keeps as MessageId) and, in a <c>-poison</c> queue, why and when the message was
/// dead-lettered. The body travels base64-encoded inside the JSON and is restored byte for byte on
/// replay. The message text itself is base64 too, the Azure Functions queue convention.
/// </summary>
internal sealed record StorageQueuePayload
{
    public required string MessageId { get; init; }

    public required byte[] Body { get; init; }

    public string? DeadLetterReason { get; init; }

    public DateTimeOffset? DeadLetteredAt { get; init; }

    /// <summary>The queue message text: base64 of the UTF-8 JSON.</summary>
    public string Encode() =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this, StorageQueueJsonContext.Default.StorageQueuePayload));

    /// <summary>Reads a message text; false when it is not a payload this transport wrote.</summary>
    public static bool TryDecode(string messageText, out StorageQueuePayload? payload)
    {
        payload = null;
        var bytes = new byte[messageText.Length];
        if (!Convert.TryFromBase64String(messageText, bytes, out var length))
        {
            return false;
        }

        try
        {
            payload = JsonSerializer.Deserialize(bytes.AsSpan(0, length), StorageQueueJsonContext.Default.StorageQueuePayload);
        }
        catch (JsonException)
        {
            return false;
        }

        return payload is { MessageId.Length: > 0, Body: not null };
    }

    /// <summary>Wraps a message this transport cannot read, so it can be dead-lettered without losing a byte.</summary>
    public static StorageQueuePayload ForUnreadable(string queueMessageId, string messageText) =>
        new() { MessageId = queueMessageId, Body = Encoding.UTF8.GetBytes(messageText) };
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StorageQueuePayload))]
internal sealed partial class StorageQueueJsonContext : JsonSerializerContext;
