using System.Buffers;
using MailCloud.Gateway.Imap.Protocol;
using MimeKit;

namespace MailCloud.Fuzz.Targets;

/// <summary>
/// mime-structure: arbitrary bytes as a stored message (APPEND stores any octets), loaded as
/// <c>FetchCommand</c> loads it with <see cref="MessageStructure.LoadAsync"/>, then BODYSTRUCTURE and
/// BODY (<see cref="BodyStructureWriter"/>) and ENVELOPE (<see cref="EnvelopeWriter"/>) written for it,
/// for clients with and without UTF-8, and every part a BODY[n] section could name resolved and read.
/// Nothing is swallowed: FETCH has no answer for an exception here.
/// </summary>
public static class MimeStructureTarget
{
    public static void Run(ReadOnlySpan<byte> input) => RunAsync(input.ToArray()).GetAwaiter().GetResult();

    private static async Task RunAsync(byte[] message)
    {
        await using var structure = await MessageStructure.LoadAsync(new MemoryStream(message, writable: false), new MemoryStream(message.Length), CancellationToken.None);
        foreach (var utf8 in (bool[])[false, true])
        {
            var writer = new ImapResponseWriter(new ArrayBufferWriter<byte>()) { Utf8Enabled = utf8 };
            BodyStructureWriter.Write(writer, structure, extended: true);
            BodyStructureWriter.Write(writer, structure, extended: false);
            EnvelopeWriter.Write(writer, structure.Message);
        }

        ReadParts(structure, []);
    }

    /// <summary>
    /// BODY[n.m], BODY[n.MIME], BODY[n.HEADER] and BINARY[n] for the first parts at each level (bounded,
    /// as a client asks for a few): the offsets and decoded content <c>FetchCommand</c> serves them from.
    /// </summary>
    private static void ReadParts(MessageStructure structure, List<int> path)
    {
        if (path.Count == 0)
        {
            Read(structure, structure.OffsetsOf(structure.Message));
        }

        if (path.Count > 4)
        {
            return;
        }

        for (var n = 1; n <= 3; n++)
        {
            List<int> part = [.. path, n];
            if (structure.FindPart(part) is not { } entity)
            {
                continue;
            }

            Read(structure, structure.OffsetsOf(entity));
            if (entity is MessagePart { Message: { } inner })
            {
                Read(structure, structure.OffsetsOf(inner));
            }
            else if (entity is MimePart { Content: { } content })
            {
                content.DecodeTo(Stream.Null);
            }

            ReadParts(structure, part);
        }
    }

    private static void Read(MessageStructure structure, EntityOffsets offsets)
    {
        structure.ReadRange(offsets.Begin, offsets.HeadersEnd - offsets.Begin);
        structure.ReadRange(offsets.HeadersEnd, offsets.BodyLength);
        structure.CountLines(offsets.HeadersEnd, offsets.BodyLength);
    }
}
