using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// One message of a folder (<c>M:&lt;folderId&gt;:&lt;uid&gt;</c>): flags, keywords, internal date, size,
/// MODSEQ, where its bytes are (container and blob name, so a row may point at the accepted spool
/// blob, behind a short prefix kept in the row) and the header fields SEARCH reads, so neither listing nor header search opens a blob.
/// </summary>
internal sealed class MessageRow
{
    /// <summary>Longest header value kept, in characters: nine of them stay far below the 1 MiB entity limit and 64 KiB property limit.</summary>
    public const int MaxHeaderChars = 4096;

    public required string FolderId { get; init; }
    public required uint Uid { get; init; }
    public required MessageFlags Flags { get; set; }
    public required DateTimeOffset InternalDate { get; init; }
    public required long Size { get; init; }
    public ulong ModSeq { get; set; }
    public required MessageBlobReference Blob { get; init; }

    /// <summary>Bytes before the blob's (see <see cref="MessageSummary.Prefix"/>); counted in <see cref="Size"/>.</summary>
    public byte[]? Prefix { get; init; }

    public SearchHeaders? Headers { get; init; }
    public ETag ETag { get; set; }

    public string RowKey => MailboxKeys.Message(FolderId, Uid);

    /// <summary>Bytes this row adds to a transaction's payload, roughly (the 4 MB limit counts JSON).</summary>
    public int EstimatedBytes => 512 + (2 * (Headers?.TotalLength ?? 0)) + (Flags.Keywords.Sum(k => k.Length + 1) * 2) + (2 * (Prefix?.Length ?? 0));

    public MessageSummary ToSummary() => new(Uid, Flags, InternalDate, Size, ModSeq) { Blob = Blob, Prefix = Prefix, Headers = Headers };

    /// <summary>This row with new flags at a new MODSEQ (same ETag, for the If-Match of the update).</summary>
    public MessageRow WithFlags(MessageFlags flags, ulong modSeq) => Copy(FolderId, Uid, flags, modSeq, Blob, ETag);

    /// <summary>The same message under another folder and UID (COPY, MOVE), same bytes.</summary>
    public MessageRow CopyTo(string folderId, uint uid, ulong modSeq, MessageBlobReference blob) => Copy(folderId, uid, Flags, modSeq, blob, default);

    private MessageRow Copy(string folderId, uint uid, MessageFlags flags, ulong modSeq, MessageBlobReference blob, ETag etag) => new()
    {
        FolderId = folderId,
        Uid = uid,
        Flags = flags,
        InternalDate = InternalDate,
        Size = Size,
        ModSeq = modSeq,
        Blob = blob,
        Prefix = Prefix,
        Headers = Headers,
        ETag = etag,
    };

    public static MessageRow From(TableEntity entity)
    {
        var keywords = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (entity.GetString("Keywords") is { Length: > 0 } text)
        {
            keywords.UnionWith(text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        var rowKey = entity.RowKey;
        return new MessageRow
        {
            FolderId = rowKey.Split(':')[1],
            Uid = MailboxKeys.UidOf(rowKey),
            Flags = new MessageFlags((SystemFlags)(entity.GetInt32("Flags") ?? 0), keywords),
            InternalDate = DateTimeOffset.Parse(entity.GetString("InternalDate") ?? throw new InvalidDataException($"Message row {rowKey} has no internal date."), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            Size = entity.GetInt64("Size") ?? 0,
            ModSeq = (ulong)(entity.GetInt64("ModSeq") ?? 0),
            Blob = new MessageBlobReference(entity.GetString("BlobContainer") ?? "", entity.GetString("BlobName") ?? ""),
            Prefix = entity.GetBinary("Prefix"),
            Headers = entity.ContainsKey("HeadersTruncated")
                ? new SearchHeaders(entity.GetString("From"), entity.GetString("To"), entity.GetString("Cc"), entity.GetString("Bcc"), entity.GetString("Subject"), entity.GetString("Date"), entity.GetString("MessageId"), entity.GetBoolean("HeadersTruncated") ?? false)
                {
                    InReplyTo = entity.GetString("InReplyTo"),
                    References = entity.GetString("References"),
                }
                : null,
            ETag = entity.ETag,
        };
    }

    public TableEntity ToEntity(string accountId)
    {
        var entity = new TableEntity(accountId, RowKey) { ETag = ETag };
        WriteFlags(entity);
        entity["InternalDate"] = InternalDate.ToString("O", CultureInfo.InvariantCulture);
        entity["Size"] = Size;
        entity["BlobContainer"] = Blob.Container;
        entity["BlobName"] = Blob.Name;
        if (Prefix is { Length: > 0 })
        {
            entity["Prefix"] = Prefix;
        }
        if (Headers is { } headers)
        {
            Put(entity, "From", headers.From);
            Put(entity, "To", headers.To);
            Put(entity, "Cc", headers.Cc);
            Put(entity, "Bcc", headers.Bcc);
            Put(entity, "Subject", headers.Subject);
            Put(entity, "Date", headers.Date);
            Put(entity, "MessageId", headers.MessageId);
            Put(entity, "InReplyTo", headers.InReplyTo);
            Put(entity, "References", headers.References);
            entity["HeadersTruncated"] = headers.Truncated;
        }

        return entity;
    }

    /// <summary>Only what a flag change moves, for a Merge that leaves the rest of the row as it is.</summary>
    public TableEntity ToFlagsEntity(string accountId)
    {
        var entity = new TableEntity(accountId, RowKey) { ETag = ETag };
        WriteFlags(entity);
        return entity;
    }

    private void WriteFlags(TableEntity entity)
    {
        entity["Flags"] = (int)Flags.System;
        entity["Keywords"] = string.Join(' ', Flags.Keywords.Order(StringComparer.OrdinalIgnoreCase));
        entity["ModSeq"] = (long)ModSeq;
    }

    private static void Put(TableEntity entity, string name, string? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }
}
