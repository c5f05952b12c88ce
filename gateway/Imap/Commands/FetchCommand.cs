using System.Globalization;
using System.Buffers;
using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;
using MimeKit;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// FETCH and UID FETCH (RFC 9051 §6.4.5, BINARY RFC 3516, CHANGEDSINCE RFC 7162 §3.1.4, VANISHED §3.2.6).
/// Flags, dates, sizes, UIDs and mod-sequences come from the folder listing; the message is
/// opened only for items that need its content, and a whole message streams from storage.
/// </summary>
internal static class FetchCommand
{
    public static async Task<ImapCompletion> FetchAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var selected = session.RequireSelected;
        var set = command.Arguments.ReadSequenceSet();
        command.Arguments.ExpectSpace();
        var request = FetchRequest.Parse(command.Arguments);
        if (request.Vanished && (!command.Uid || !session.QresyncEnabled))
        {
            // RFC 7162 §3.2.6: a UID FETCH modifier, and only once QRESYNC is enabled (§3.2.3).
            throw new ImapSyntaxException(command.Uid ? "QRESYNC not enabled" : "VANISHED is a UID FETCH modifier");
        }

        if (request.ChangedSince is not null || (request.Attributes & FetchAttributes.ModSeq) != 0)
        {
            session.EnableCondStore();
        }

        var targets = selected.Resolve(set, command.Uid);
        if (request.SetsSeen && !selected.ReadOnly)
        {
            // RFC 9051 §6.4.5: BODY[] (not PEEK) sets \Seen; FLAGS are then returned with the data.
            var unseen = targets.Where(t => selected.Find(t.Uid) is { } m && !m.Flags.Has(SystemFlags.Seen)).Select(t => t.Uid).ToList();
            if (unseen.Count > 0)
            {
                await session.Store.StoreFlagsAsync(selected.AccountId, selected.Folder, unseen, FlagChangeMode.Add, new MessageFlags(SystemFlags.Seen, new HashSet<string>()), null, cancellationToken).ConfigureAwait(false);
                await selected.RefreshAsync(cancellationToken).ConfigureAwait(false);
                request = request with { Attributes = request.Attributes | FetchAttributes.Flags };
            }
        }

        if (request is { Vanished: true, ChangedSince: { } vanishedSince })
        {
            // §3.2.6: the UIDs of the set expunged since, before the FETCH responses.
            await QresyncResponses.WriteVanishedEarlierAsync(session, vanishedSince, set, cancellationToken).ConfigureAwait(false);
        }

        if ((request.Attributes & FetchAttributes.Flags) != 0)
        {
            session.AnnounceKeywords(targets.Select(t => selected.Find(t.Uid)).OfType<MessageSummary>());
        }

        foreach (var (sequenceNumber, uid) in targets)
        {
            if (selected.Find(uid) is not { } message)
            {
                // Expunged by another session and not yet reported: nothing to return (RFC 9051 §7.5.1).
                continue;
            }

            if (request.ChangedSince is { } since && message.ModSeq <= since)
            {
                continue;
            }

            try
            {
                await WriteMessageAsync(session, selected.Folder, sequenceNumber, message, request, command.Uid, cancellationToken).ConfigureAwait(false);
            }
            catch (MessageNotFoundException)
            {
                continue;
            }

            await session.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        return ImapCompletion.Ok($"{(command.Uid ? "UID " : "")}FETCH completed");
    }

    private static async Task WriteMessageAsync(ImapSession session, string folder, uint sequenceNumber, MessageSummary message, FetchRequest request, bool uid, CancellationToken cancellationToken)
    {
        var writer = session.Writer;
        MessageStructure? structure = null;
        MimeMessage? header = null;
        var bodyStructure = (request.Attributes & FetchAttributes.BodyStructure) != 0 ? CachedBodyStructure(session, message, extended: true) : null;
        var body = (request.Attributes & FetchAttributes.Body) != 0 ? CachedBodyStructure(session, message, extended: false) : null;
        try
        {
            if (NeedsStructure(request, bodyStructure is not null, body is not null))
            {
                await using var content = await session.Store.OpenMessageAsync(message, cancellationToken: cancellationToken).ConfigureAwait(false);
                structure = await MessageStructure.LoadAsync(content, TemporaryBuffer.Create(message.Size, session.Options.LiteralMemoryThreshold), cancellationToken).ConfigureAwait(false);
                CheckTransferEncodings(structure, request);
            }
            else if ((request.Attributes & FetchAttributes.Envelope) != 0)
            {
                // A client's header sync (ENVELOPE, FLAGS, sizes) needs only the header: read it once per gateway, not the whole message per FETCH.
                header = await session.Services.Headers.GetAsync(session.Store, session.RequireSelected.AccountId, folder, session.RequireSelected.UidValidity, message, cancellationToken).ConfigureAwait(false)
                    ?? throw new MessageNotFoundException(folder, message.Uid);
            }

            writer.Raw("* ").Number(sequenceNumber).Raw(" FETCH (");
            var separator = "";
            void Item(string name)
            {
                writer.Raw(separator).Raw(name).Raw(' ');
                separator = " ";
            }

            var attributes = request.Attributes;
            if (uid || (attributes & FetchAttributes.Uid) != 0)
            {
                Item("UID");
                writer.Number(message.Uid);
            }

            if ((attributes & FetchAttributes.Flags) != 0)
            {
                Item("FLAGS");
                FlagCodec.Write(writer, message.Flags, session.RequireSelected.IsRecent(message.Uid));
            }

            if ((attributes & FetchAttributes.InternalDate) != 0)
            {
                Item("INTERNALDATE");
                writer.Raw('"').Raw(FormatInternalDate(message.InternalDate)).Raw('"');
            }

            if ((attributes & FetchAttributes.Rfc822Size) != 0)
            {
                Item("RFC822.SIZE");
                writer.Number(message.Size);
            }

            if ((attributes & FetchAttributes.ModSeq) != 0)
            {
                Item("MODSEQ");
                writer.Raw('(').Number(message.ModSeq).Raw(')');
            }

            if ((attributes & FetchAttributes.EmailId) != 0)
            {
                Item("EMAILID");
                writer.Raw('(').Raw(ObjectIds.EmailId(message)).Raw(')');
            }

            if ((attributes & FetchAttributes.ThreadId) != 0)
            {
                // RFC 8474 §5.2: NIL, the server keeps no threads.
                Item("THREADID");
                writer.Raw("NIL");
            }

            if ((attributes & FetchAttributes.Envelope) != 0)
            {
                Item("ENVELOPE");
                EnvelopeWriter.Write(writer, structure?.Message ?? header!);
            }

            if ((attributes & FetchAttributes.BodyStructure) != 0)
            {
                Item("BODYSTRUCTURE");
                writer.Raw(bodyStructure ?? RenderBodyStructure(session, message, structure!, extended: true));
            }

            if ((attributes & FetchAttributes.Body) != 0)
            {
                Item("BODY");
                writer.Raw(body ?? RenderBodyStructure(session, message, structure!, extended: false));
            }

            foreach (var section in request.Sections)
            {
                Item(section.ResponseName);
                await WriteSectionAsync(session, folder, message, structure, section, cancellationToken).ConfigureAwait(false);
            }

            writer.Raw(')').Crlf();
        }
        finally
        {
            if (structure is not null)
            {
                await structure.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// BODY[] and its partials stream straight from storage, ENVELOPE comes from the header cache,
    /// BODYSTRUCTURE and BODY from their cache once written; everything else needs the parsed message.
    /// </summary>
    private static bool NeedsStructure(FetchRequest request, bool bodyStructureCached, bool bodyCached) =>
        ((request.Attributes & FetchAttributes.BodyStructure) != 0 && !bodyStructureCached)
        || ((request.Attributes & FetchAttributes.Body) != 0 && !bodyCached)
        || request.Sections.Any(s => !IsWholeMessage(s));

    private static BodyStructureKey StructureKey(ImapSession session, MessageSummary message, bool extended) =>
        new(session.RequireSelected.AccountId, session.RequireSelected.UidValidity, message.Uid, extended, session.Utf8Enabled);

    private static byte[]? CachedBodyStructure(ImapSession session, MessageSummary message, bool extended) =>
        session.Services.BodyStructures.Find(StructureKey(session, message, extended));

    /// <summary>Writes BODYSTRUCTURE (or BODY) once into bytes, keeps them for the next FETCH, and returns them.</summary>
    private static byte[] RenderBodyStructure(ImapSession session, MessageSummary message, MessageStructure structure, bool extended)
    {
        var output = new ArrayBufferWriter<byte>();
        BodyStructureWriter.Write(new ImapResponseWriter(output) { Utf8Enabled = session.Utf8Enabled }, structure, extended);
        var answer = output.WrittenSpan.ToArray();
        session.Services.BodyStructures.Add(StructureKey(session, message, extended), answer);
        return answer;
    }

    private static bool IsWholeMessage(SectionRequest section) =>
        section.Kind == SectionKind.Body && section.Part.Count == 0 && section.Text == SectionText.All;

    private static async Task WriteSectionAsync(ImapSession session, string folder, MessageSummary message, MessageStructure? structure, SectionRequest section, CancellationToken cancellationToken)
    {
        var writer = session.Writer;
        if (IsWholeMessage(section))
        {
            var (offset, length) = Partial(section, message.Size);
            await using var content = await session.Store.OpenMessageAsync(message, offset, length, cancellationToken).ConfigureAwait(false);
            await session.WriteLiteralAsync(content, length, cancellationToken).ConfigureAwait(false);
            return;
        }

        var parsed = structure!;
        if (section.Kind != SectionKind.Body)
        {
            await WriteBinaryAsync(session, parsed, section, cancellationToken).ConfigureAwait(false);
            return;
        }

        var bytes = SectionBytes(parsed, section);
        if (bytes is null)
        {
            writer.Raw("NIL");
            return;
        }

        var (start, count) = Partial(section, bytes.Value.Length);
        if (bytes.Value.Inline is { } inline)
        {
            writer.Literal(inline.AsSpan((int)start, (int)count));
            return;
        }

        await using var range = parsed.OpenRange(bytes.Value.Offset + start, count);
        await session.WriteLiteralAsync(range, count, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A section as a range of the raw message, or as built bytes (HEADER.FIELDS).</summary>
    private readonly record struct SectionData(long Offset, long Length, byte[]? Inline);

    private static SectionData? SectionBytes(MessageStructure structure, SectionRequest section)
    {
        MimeMessage message;
        if (section.Part.Count == 0)
        {
            message = structure.Message;
        }
        else
        {
            var entity = structure.FindPart(section.Part);
            if (entity is null)
            {
                return null;
            }

            var offsets = structure.OffsetsOf(entity);
            if (section.Text == SectionText.All)
            {
                return new SectionData(offsets.HeadersEnd, offsets.BodyLength, null);
            }

            if (section.Text == SectionText.Mime)
            {
                return new SectionData(offsets.Begin, offsets.HeadersEnd - offsets.Begin, null);
            }

            // HEADER and TEXT of a part are those of the message/rfc822 it encapsulates.
            if (entity is not MessagePart { Message: { } inner })
            {
                return null;
            }

            message = inner;
        }

        var messageOffsets = structure.OffsetsOf(message);
        switch (section.Text)
        {
            case SectionText.All:
                return new SectionData(messageOffsets.Begin, messageOffsets.End - messageOffsets.Begin, null);
            case SectionText.Header:
                return new SectionData(messageOffsets.Begin, messageOffsets.HeadersEnd - messageOffsets.Begin, null);
            case SectionText.Text:
                return new SectionData(messageOffsets.HeadersEnd, messageOffsets.End - messageOffsets.HeadersEnd, null);
            default:
                var header = structure.ReadRange(messageOffsets.Begin, messageOffsets.HeadersEnd - messageOffsets.Begin);
                var built = HeaderFieldFilter.Select(header, section.Fields.ToHashSet(StringComparer.OrdinalIgnoreCase), section.Text == SectionText.HeaderFields);
                return new SectionData(0, built.Length, built);
        }
    }

    /// <summary>
    /// BINARY[part] and BINARY.SIZE[part] (RFC 3516 §4.2): a leaf part's content with its transfer
    /// encoding undone. A composite part (multipart, message/rfc822) and BINARY[] (the whole message)
    /// are given as their octets, since a composite entity is never encoded (RFC 2045 §6.4); a part
    /// that does not exist is empty, as Dovecot answers. A literal8 ("~{n}") only when the octets
    /// hold a NUL, which a literal may not (RFC 3516 §4.3, RFC 9051 §4.3).
    /// </summary>
    private static async Task WriteBinaryAsync(ImapSession session, MessageStructure structure, SectionRequest section, CancellationToken cancellationToken)
    {
        await using var content = await BinaryContentAsync(structure, section, session.Options.LiteralMemoryThreshold, cancellationToken).ConfigureAwait(false);
        if (section.Kind == SectionKind.BinarySize)
        {
            session.Writer.Number(content.Length);
            return;
        }

        var (offset, length) = Partial(section, content.Length);
        var binary = await ContainsNulAsync(content, offset, length, cancellationToken).ConfigureAwait(false);
        content.Position = offset;
        await session.WriteLiteralAsync(content, length, cancellationToken, binary).ConfigureAwait(false);
    }

    /// <summary>The section's octets, decoded, in a seekable buffer: memory when small, else a temporary file deleted on dispose.</summary>
    private static async Task<Stream> BinaryContentAsync(MessageStructure structure, SectionRequest section, int memoryThreshold, CancellationToken cancellationToken)
    {
        // A leaf part is decoded; the whole message or a composite part is copied from its raw range; a missing part is empty.
        var entity = section.Part.Count == 0 ? null : structure.FindPart(section.Part);
        var (start, length) = (0L, 0L);
        if (section.Part.Count == 0)
        {
            var message = structure.OffsetsOf(structure.Message);
            (start, length) = (message.Begin, message.End - message.Begin);
        }
        else if (entity is not null)
        {
            var part = structure.OffsetsOf(entity);
            (start, length) = (part.HeadersEnd, part.BodyLength);
        }

        // Decoding never makes content longer than its encoded form.
        var buffer = TemporaryBuffer.Create(length, memoryThreshold);
        try
        {
            if (entity is MimePart leaf)
            {
                if (leaf.Content is not null)
                {
                    await leaf.Content.DecodeToAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (length > 0)
            {
                await using var raw = structure.OpenRange(start, length);
                await raw.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            }

            buffer.Position = 0;
            return buffer;
        }
        catch
        {
            await buffer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// RFC 3516 §4.2: BINARY of a leaf part whose Content-Transfer-Encoding the server cannot undo is
    /// NO [UNKNOWN-CTE]. Checked before any of the message's FETCH response is written.
    /// </summary>
    private static void CheckTransferEncodings(MessageStructure structure, FetchRequest request)
    {
        foreach (var section in request.Sections.Where(s => s.Kind != SectionKind.Body && s.Part.Count > 0))
        {
            // MimeKit reads an encoding it does not know as Default, like a part without the field.
            if (structure.FindPart(section.Part) is MimePart { ContentTransferEncoding: ContentEncoding.Default } part
                && part.Headers.Contains(HeaderId.ContentTransferEncoding))
            {
                throw new ImapNoException("Unknown Content-Transfer-Encoding", "UNKNOWN-CTE");
            }
        }
    }

    private static async Task<bool> ContainsNulAsync(Stream content, long offset, long length, CancellationToken cancellationToken)
    {
        content.Position = offset;
        var buffer = new byte[(int)Math.Min(Math.Max(length, 1), 81920)];
        for (var remaining = length; remaining > 0;)
        {
            var read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            if (buffer.AsSpan(0, read).Contains((byte)0))
            {
                return true;
            }

            remaining -= read;
        }

        return false;
    }

    /// <summary>The byte range a partial fetch asks for, clipped to the section (RFC 9051 §6.4.5 "&lt;origin.size&gt;").</summary>
    private static (long Offset, long Length) Partial(SectionRequest section, long size)
    {
        var offset = Math.Min(section.PartialOffset ?? 0, size);
        var length = Math.Min(section.PartialLength ?? size, size - offset);
        return (offset, length);
    }

    /// <summary>date-time = "dd-MMM-yyyy HH:mm:ss +zzzz" with a space-padded day (RFC 9051 §9).</summary>
    public static string FormatInternalDate(DateTimeOffset date)
    {
        var offset = date.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return date.ToString("dd-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + sign + offset.Hours.ToString("00", CultureInfo.InvariantCulture) + offset.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }
}
