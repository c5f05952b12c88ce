using MimeKit;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>Where an entity lies in the raw message: its header block starts at <see cref="Begin"/>, its body at <see cref="HeadersEnd"/>.</summary>
public readonly record struct EntityOffsets(long Begin, long HeadersEnd, long End)
{
    public long BodyLength => End - HeadersEnd;
}

/// <summary>
/// A message parsed by MimeKit together with the byte offsets of every entity in the raw
/// octets, so BODY[section] can be served as exact byte ranges and BODYSTRUCTURE can give
/// sizes and line counts (RFC 9051 §7.5.2), within <see cref="MimeLimits"/>. Holds a seekable copy of the raw message
/// (memory when small, a temporary file when large); dispose it.
/// </summary>
public sealed class MessageStructure : IAsyncDisposable
{
    private readonly Stream _raw;
    private readonly Dictionary<MimeEntity, EntityOffsets> _entities;
    private readonly Dictionary<MimeMessage, EntityOffsets> _messages;

    private MessageStructure(Stream raw, MimeMessage message, Dictionary<MimeEntity, EntityOffsets> entities, Dictionary<MimeMessage, EntityOffsets> messages)
    {
        _raw = raw;
        Message = message;
        _entities = entities;
        _messages = messages;
    }

    public MimeMessage Message { get; }

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="raw"/> (an empty seekable buffer the
    /// caller chose, memory or a temporary file; owned by the structure from now on) and parses it, recording offsets.
    /// </summary>
    public static async Task<MessageStructure> LoadAsync(Stream source, Stream raw, CancellationToken cancellationToken)
    {
        try
        {
            await source.CopyToAsync(raw, cancellationToken).ConfigureAwait(false);
            raw.Position = 0;

            var entityBegins = new Dictionary<MimeEntity, long>();
            var messageBegins = new Dictionary<MimeMessage, long>();
            var entities = new Dictionary<MimeEntity, EntityOffsets>();
            var messages = new Dictionary<MimeMessage, EntityOffsets>();
            void RecordOffsets(MimeParser parser)
            {
                // A second parse (too many parts) starts over.
                entityBegins.Clear();
                messageBegins.Clear();
                entities.Clear();
                messages.Clear();
                parser.MimeEntityBegin += (_, e) => entityBegins[e.Entity] = e.BeginOffset;
                parser.MimeEntityEnd += (_, e) => entities[e.Entity] = new EntityOffsets(entityBegins[e.Entity], e.HeadersEndOffset, e.EndOffset);
                parser.MimeMessageBegin += (_, e) => messageBegins[e.Message] = e.BeginOffset;
                parser.MimeMessageEnd += (_, e) => messages[e.Message] = new EntityOffsets(messageBegins[e.Message], e.HeadersEndOffset, e.EndOffset);
            }

            var message = await MimeLimits.ParseAsync(raw, persistent: true, RecordOffsets, cancellationToken).ConfigureAwait(false);
            if (!messages.ContainsKey(message))
            {
                // Unparsable: no header, and the whole of the octets is the body.
                var whole = new EntityOffsets(0, 0, raw.Length);
                messages[message] = whole;
                entities[message.Body!] = whole;
            }
            return new MessageStructure(raw, message, entities, messages);
        }
        catch
        {
            await raw.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public EntityOffsets OffsetsOf(MimeEntity entity) => _entities[entity];

    public EntityOffsets OffsetsOf(MimeMessage message) => _messages[message];

    /// <summary>The octets [offset, offset+length) of the raw message.</summary>
    public byte[] ReadRange(long offset, long length)
    {
        offset = Math.Clamp(offset, 0, _raw.Length);
        length = Math.Clamp(length, 0, _raw.Length - offset);
        var bytes = new byte[length];
        _raw.Position = offset;
        _raw.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Line count of a body for BODYSTRUCTURE: its LF characters, as Dovecot counts them.</summary>
    public int CountLines(long offset, long length)
    {
        using var range = OpenRange(offset, length);
        var buffer = new byte[8192];
        var lines = 0;
        int read;
        while ((read = range.Read(buffer)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return lines;
    }

    /// <summary>A read-only view of [offset, offset+length) for streaming large sections.</summary>
    public Stream OpenRange(long offset, long length)
    {
        offset = Math.Clamp(offset, 0, _raw.Length);
        length = Math.Clamp(length, 0, _raw.Length - offset);
        _raw.Position = offset;
        return new BoundedStream(_raw, length);
    }

    /// <summary>
    /// Resolves a part specifier (RFC 9051 §6.4.5): numbers index multipart children; "1" of a
    /// non-multipart body is the body itself; numbers under a message/rfc822 part index the
    /// encapsulated message's body. Null when no such part exists.
    /// </summary>
    public MimeEntity? FindPart(IReadOnlyList<int> path)
    {
        var current = Message.Body;
        for (var i = 0; i < path.Count; i++)
        {
            if (current is Multipart multipart)
            {
                if (path[i] > multipart.Count)
                {
                    return null;
                }

                current = multipart[path[i] - 1];
            }
            else if (path[i] != 1)
            {
                return null;
            }

            if (i < path.Count - 1 && current is MessagePart { Message: { } inner })
            {
                current = inner.Body;
            }
            else if (i < path.Count - 1 && current is not Multipart)
            {
                return null;
            }
        }

        return current;
    }

    public ValueTask DisposeAsync() => _raw.DisposeAsync();

    /// <summary>Reads at most a given number of octets from the shared raw stream.</summary>
    private sealed class BoundedStream(Stream inner, long length) : Stream
    {
        private readonly long _length = length;
        private long _remaining = length;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _length;
        public override long Position { get => _length - _remaining; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
            _remaining -= read;
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
            _remaining -= read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
