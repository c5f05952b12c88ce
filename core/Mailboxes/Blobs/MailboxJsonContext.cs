using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailCloud.Core.Mailboxes.Blobs;

/// <summary>The mailbox store's JSON documents, serialized without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(FolderListDocument))]
[JsonSerializable(typeof(FolderState))]
[JsonSerializable(typeof(DeliveryMarker))]
internal sealed partial class MailboxJsonContext : JsonSerializerContext;

/// <summary><c>d/&lt;hash of the idempotency key&gt;</c>: the UID a delivery was given.</summary>
internal sealed record DeliveryMarker(uint Uid);
