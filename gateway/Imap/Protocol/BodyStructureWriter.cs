using MimeKit;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// Writes BODYSTRUCTURE (with extension data) and BODY (without) for a parsed message
/// (RFC 9051 §7.5.2 and the body grammar of §9). Sizes and line counts come from the raw
/// octets, so they match what BODY[section] returns.
/// </summary>
public static class BodyStructureWriter
{
    /// <summary>What a missing body is shown as: an empty US-ASCII text part, as Dovecot does.</summary>
    private const string EmptyTextPart = "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7BIT\" 0 0)";

    public static void Write(ImapResponseWriter writer, MessageStructure structure, bool extended) =>
        WriteEntity(writer, structure, structure.Message.Body, extended);

    private static void WriteEntity(ImapResponseWriter writer, MessageStructure structure, MimeEntity? entity, bool extended)
    {
        if (entity is null)
        {
            writer.Raw(EmptyTextPart);
            return;
        }

        if (entity is Multipart multipart)
        {
            WriteMultipart(writer, structure, multipart, extended);
            return;
        }

        var offsets = structure.OffsetsOf(entity);
        var type = entity.ContentType;
        if (type.MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase))
        {
            // A multipart past MimeLimits was parsed as one part: show it as the opaque bytes it now is.
            writer.Raw("(\"application\" \"octet-stream\" NIL NIL NIL \"7BIT\" ").Number(offsets.BodyLength);
            writer.Raw(extended ? " NIL NIL NIL NIL)" : ")");
            return;
        }

        writer.Raw('(').String(type.MediaType.ToLowerInvariant()).Raw(' ').String(type.MediaSubtype.ToLowerInvariant()).Raw(' ');
        WriteParameters(writer, type.Parameters, DefaultParameters(entity));
        writer.Raw(' ').NString(HeaderValue(entity, HeaderId.ContentId));
        writer.Raw(' ').NString(EnvelopeWriter.Phrase(writer, HeaderValue(entity, HeaderId.ContentDescription)));
        writer.Raw(' ').String(HeaderValue(entity, HeaderId.ContentTransferEncoding)?.ToUpperInvariant() ?? "7BIT");
        writer.Raw(' ').Number(offsets.BodyLength);

        if (entity is MessagePart { Message: { } inner } && type.IsMimeType("message", "rfc822"))
        {
            // body-type-msg: envelope, body and line count of the encapsulated message.
            writer.Raw(' ');
            EnvelopeWriter.Write(writer, inner);
            writer.Raw(' ');
            WriteEntity(writer, structure, inner.Body, extended);
            writer.Raw(' ').Number(structure.CountLines(offsets.HeadersEnd, offsets.BodyLength));
        }
        else if (type.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            writer.Raw(' ').Number(structure.CountLines(offsets.HeadersEnd, offsets.BodyLength));
        }

        if (extended)
        {
            // body-ext-1part: md5, disposition, language, location.
            writer.Raw(' ').NString(HeaderValue(entity, HeaderId.ContentMd5)).Raw(' ');
            WriteExtensions(writer, entity);
        }

        writer.Raw(')');
    }

    private static void WriteMultipart(ImapResponseWriter writer, MessageStructure structure, Multipart multipart, bool extended)
    {
        writer.Raw('(');
        if (multipart.Count == 0)
        {
            // RFC 9051 §7.5.2 requires at least one body; Dovecot shows an empty text/plain.
            writer.Raw(EmptyTextPart);
        }

        foreach (var part in multipart)
        {
            WriteEntity(writer, structure, part, extended);
        }

        writer.Raw(' ').String(multipart.ContentType.MediaSubtype.ToLowerInvariant());
        if (extended)
        {
            // body-ext-mpart: parameters, disposition, language, location.
            writer.Raw(' ');
            WriteParameters(writer, multipart.ContentType.Parameters, null);
            writer.Raw(' ');
            WriteExtensions(writer, multipart);
        }

        writer.Raw(')');
    }

    private static void WriteExtensions(ImapResponseWriter writer, MimeEntity entity)
    {
        if (entity.ContentDisposition is { } disposition)
        {
            writer.Raw('(').String(disposition.Disposition.ToLowerInvariant()).Raw(' ');
            WriteParameters(writer, disposition.Parameters, null);
            writer.Raw(')');
        }
        else
        {
            writer.Raw("NIL");
        }

        writer.Raw(' ');
        var languages = HeaderValue(entity, HeaderId.ContentLanguage)?
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (languages.Length == 0)
        {
            writer.Raw("NIL");
        }
        else
        {
            writer.Raw('(');
            for (var i = 0; i < languages.Length; i++)
            {
                writer.Raw(i == 0 ? "" : " ").String(languages[i]);
            }

            writer.Raw(')');
        }

        writer.Raw(' ').NString(HeaderValue(entity, HeaderId.ContentLocation));
    }

    private static void WriteParameters(ImapResponseWriter writer, ParameterList parameters, (string Name, string Value)? fallback)
    {
        if (parameters.Count == 0)
        {
            if (fallback is { } pair)
            {
                writer.Raw('(').String(pair.Name).Raw(' ').String(pair.Value).Raw(')');
            }
            else
            {
                writer.Raw("NIL");
            }

            return;
        }

        writer.Raw('(');
        var first = true;
        foreach (var parameter in parameters)
        {
            writer.Raw(first ? "" : " ").String(parameter.Name.ToLowerInvariant()).Raw(' ').String(EnvelopeWriter.Phrase(writer, parameter.Value) ?? "");
            first = false;
        }

        writer.Raw(')');
    }

    /// <summary>RFC 2045 §5.2: a text part without a charset is US-ASCII.</summary>
    private static (string, string)? DefaultParameters(MimeEntity entity) =>
        entity.ContentType.IsMimeType("text", "plain") ? ("charset", "us-ascii") : null;

    private static string? HeaderValue(MimeEntity entity, HeaderId id)
    {
        var value = entity.Headers[id];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
