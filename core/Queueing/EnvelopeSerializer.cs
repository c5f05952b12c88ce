using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailCloud.Core.Queueing;

/// <summary>Reads and writes <see cref="MessageEnvelope"/> as JSON, refusing versions it does not know.</summary>
public static class EnvelopeSerializer
{
    public static BinaryData Serialize(MessageEnvelope envelope) =>
        BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(envelope, EnvelopeJsonContext.Default.MessageEnvelope));

    /// <summary>Bytes <see cref="Serialize"/> writes for <paramref name="envelope"/>.</summary>
    public static int SerializedSize(MessageEnvelope envelope) =>
        JsonSerializer.SerializeToUtf8Bytes(envelope, EnvelopeJsonContext.Default.MessageEnvelope).Length;

    /// <summary>
    /// Bytes one recipient adds to an envelope's recipient list: its JSON, plus the separating comma
    /// when the list is not empty. Lets a producer keep a growing envelope under a size limit
    /// without serializing the whole envelope again for every recipient.
    /// </summary>
    public static int SerializedSize(EnvelopeRecipient recipient, bool followsAnother) =>
        JsonSerializer.SerializeToUtf8Bytes(recipient, EnvelopeJsonContext.Default.EnvelopeRecipient).Length + (followsAnother ? 1 : 0);

    /// <summary>Throws <see cref="InvalidEnvelopeException"/> for anything that is not a readable envelope of a known version.</summary>
    public static MessageEnvelope Deserialize(BinaryData data)
    {
        MessageEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(data.ToMemory().Span, EnvelopeJsonContext.Default.MessageEnvelope);
        }
        catch (JsonException ex)
        {
            throw new InvalidEnvelopeException($"unreadable envelope: {ex.Message}", ex);
        }

        if (envelope is null)
        {
            throw new InvalidEnvelopeException("empty envelope");
        }

        if (envelope.Version is < 1 or > MessageEnvelope.CurrentVersion)
        {
            throw new InvalidEnvelopeException($"envelope version {envelope.Version} is not supported (this build reads 1..{MessageEnvelope.CurrentVersion})");
        }

        if (string.IsNullOrEmpty(envelope.MessageId) || string.IsNullOrEmpty(envelope.SpoolBlob) || envelope.Recipients is null || envelope.Recipients.Count == 0)
        {
            throw new InvalidEnvelopeException("envelope lacks a message id, spool blob or recipients");
        }

        return envelope;
    }
}

/// <summary>A queue message that can never be processed; it belongs in the dead-letter queue.</summary>
public sealed class InvalidEnvelopeException(string message, Exception? inner = null) : Exception(message, inner);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(MessageEnvelope))]
[JsonSerializable(typeof(EnvelopeRecipient))]
internal sealed partial class EnvelopeJsonContext : JsonSerializerContext;
