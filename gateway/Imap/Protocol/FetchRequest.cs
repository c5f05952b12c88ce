using System.Globalization;
using System.Text;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>Message data items that come from the folder listing or the parsed message as a whole (RFC 9051 §6.4.5).</summary>
[Flags]
public enum FetchAttributes
{
    None = 0,
    Flags = 1,
    InternalDate = 2,
    Rfc822Size = 4,
    Envelope = 8,
    BodyStructure = 16,
    Body = 32,
    Uid = 64,
    ModSeq = 128,

    /// <summary>RFC 8474 §5.1.</summary>
    EmailId = 256,

    /// <summary>RFC 8474 §5.2.</summary>
    ThreadId = 512,
}

/// <summary>Which part of a section: the whole part, or only its header, some header fields, its text or its MIME header.</summary>
public enum SectionText
{
    All,
    Header,
    HeaderFields,
    HeaderFieldsNot,
    Text,
    Mime,
}

public enum SectionKind
{
    /// <summary>BODY[section] / BODY.PEEK[section], and the RFC822* aliases.</summary>
    Body,

    /// <summary>BINARY[part] (RFC 3516): the decoded content.</summary>
    Binary,

    /// <summary>BINARY.SIZE[part]: the decoded size.</summary>
    BinarySize,
}

/// <summary>One requested section, e.g. BODY.PEEK[1.2.HEADER.FIELDS (Subject)]&lt;0.100&gt;.</summary>
public sealed record SectionRequest(
    SectionKind Kind,
    bool Peek,
    IReadOnlyList<int> Part,
    SectionText Text,
    IReadOnlyList<string> Fields,
    long? PartialOffset,
    long? PartialLength,
    string? Alias = null)
{
    /// <summary>Opening the message and marking it \Seen are needed unless PEEK (RFC 9051 §6.4.5).</summary>
    public bool SetsSeen => !Peek && Kind != SectionKind.BinarySize;

    /// <summary>The item name as the response gives it: the spec without the partial length and without ".PEEK".</summary>
    public string ResponseName
    {
        get
        {
            if (Alias is not null)
            {
                return Alias;
            }

            var name = new StringBuilder(Kind switch { SectionKind.Binary => "BINARY[", SectionKind.BinarySize => "BINARY.SIZE[", _ => "BODY[" });
            name.Append(string.Join('.', Part));
            if (Text != SectionText.All)
            {
                if (Part.Count > 0)
                {
                    name.Append('.');
                }

                name.Append(Text switch
                {
                    SectionText.Header => "HEADER",
                    SectionText.HeaderFields => "HEADER.FIELDS",
                    SectionText.HeaderFieldsNot => "HEADER.FIELDS.NOT",
                    SectionText.Text => "TEXT",
                    _ => "MIME",
                });
                if (Fields.Count > 0)
                {
                    name.Append(" (").Append(string.Join(' ', Fields.Select(f => f.ToUpperInvariant()))).Append(')');
                }
            }

            name.Append(']');
            if (PartialOffset is { } offset)
            {
                name.Append('<').Append(offset.ToString(CultureInfo.InvariantCulture)).Append('>');
            }

            return name.ToString();
        }
    }
}

/// <summary>A parsed FETCH: the attributes, sections, CHANGEDSINCE (RFC 7162 §3.1.4) and VANISHED (§3.2.6).</summary>
public sealed record FetchRequest(FetchAttributes Attributes, IReadOnlyList<SectionRequest> Sections, ulong? ChangedSince)
{
    public bool SetsSeen => Sections.Any(s => s.SetsSeen);

    /// <summary>The VANISHED modifier: report the UIDs expunged since CHANGEDSINCE, which it requires.</summary>
    public bool Vanished { get; init; }

    /// <summary>fetch-att list or macro after "FETCH sequence-set SP", then optional modifiers.</summary>
    public static FetchRequest Parse(ImapCommandReader reader)
    {
        var attributes = FetchAttributes.None;
        var sections = new List<SectionRequest>();
        if (reader.TryConsume('('))
        {
            do
            {
                ReadItem(reader, ref attributes, sections);
            }
            while (reader.TryConsume(' '));

            reader.Expect(')');
        }
        else if (reader.TryConsumeWord("ALL"))
        {
            attributes = FetchAttributes.Flags | FetchAttributes.InternalDate | FetchAttributes.Rfc822Size | FetchAttributes.Envelope;
        }
        else if (reader.TryConsumeWord("FAST"))
        {
            attributes = FetchAttributes.Flags | FetchAttributes.InternalDate | FetchAttributes.Rfc822Size;
        }
        else if (reader.TryConsumeWord("FULL"))
        {
            attributes = FetchAttributes.Flags | FetchAttributes.InternalDate | FetchAttributes.Rfc822Size | FetchAttributes.Envelope | FetchAttributes.Body;
        }
        else
        {
            ReadItem(reader, ref attributes, sections);
        }

        ulong? changedSince = null;
        var vanished = false;
        if (reader.TryConsume(' '))
        {
            // RFC 7162 §3.1.4: FETCH modifiers.
            reader.Expect('(');
            do
            {
                if (reader.TryConsumeWord("CHANGEDSINCE"))
                {
                    reader.ExpectSpace();
                    changedSince = reader.ReadNumber64();
                    attributes |= FetchAttributes.ModSeq;
                }
                else if (!vanished && reader.TryConsumeWord("VANISHED"))
                {
                    vanished = true;
                }
                else
                {
                    throw new ImapSyntaxException("Unknown FETCH modifier");
                }
            }
            while (reader.TryConsume(' '));

            reader.Expect(')');
            if (vanished && changedSince is null)
            {
                // RFC 7162 §3.2.6: VANISHED only with CHANGEDSINCE.
                throw new ImapSyntaxException("VANISHED used without CHANGEDSINCE");
            }
        }

        reader.ExpectEnd();
        return new FetchRequest(attributes, sections, changedSince) { Vanished = vanished };
    }

    private static void ReadItem(ImapCommandReader reader, ref FetchAttributes attributes, List<SectionRequest> sections)
    {
        var name = reader.ReadAtom(stopAtBracket: true).ToUpperInvariant();
        switch (name)
        {
            case "FLAGS": attributes |= FetchAttributes.Flags; return;
            case "INTERNALDATE": attributes |= FetchAttributes.InternalDate; return;
            case "RFC822.SIZE": attributes |= FetchAttributes.Rfc822Size; return;
            case "ENVELOPE": attributes |= FetchAttributes.Envelope; return;
            case "BODYSTRUCTURE": attributes |= FetchAttributes.BodyStructure; return;
            case "UID": attributes |= FetchAttributes.Uid; return;
            case "MODSEQ": attributes |= FetchAttributes.ModSeq; return;
            case "EMAILID": attributes |= FetchAttributes.EmailId; return;
            case "THREADID": attributes |= FetchAttributes.ThreadId; return;
            case "RFC822":
                sections.Add(new SectionRequest(SectionKind.Body, false, [], SectionText.All, [], null, null, "RFC822"));
                return;
            case "RFC822.HEADER":
                sections.Add(new SectionRequest(SectionKind.Body, true, [], SectionText.Header, [], null, null, "RFC822.HEADER"));
                return;
            case "RFC822.TEXT":
                sections.Add(new SectionRequest(SectionKind.Body, false, [], SectionText.Text, [], null, null, "RFC822.TEXT"));
                return;
            case "BODY" when reader.Peek() != (byte)'[':
                attributes |= FetchAttributes.Body;
                return;
            case "BODY" or "BODY.PEEK":
                sections.Add(ReadSection(reader, SectionKind.Body, name == "BODY.PEEK"));
                return;
            case "BINARY" or "BINARY.PEEK":
                sections.Add(ReadSection(reader, SectionKind.Binary, name == "BINARY.PEEK"));
                return;
            case "BINARY.SIZE":
                sections.Add(ReadSection(reader, SectionKind.BinarySize, true));
                return;
            default:
                throw new ImapSyntaxException($"Unknown FETCH item {name}");
        }
    }

    /// <summary>section = "[" [section-spec] "]" followed by an optional partial "&lt;" number "." nz-number "&gt;".</summary>
    private static SectionRequest ReadSection(ImapCommandReader reader, SectionKind kind, bool peek)
    {
        reader.Expect('[');
        var part = new List<int>();
        var text = SectionText.All;
        var fields = new List<string>();
        while (reader.Peek() is >= (byte)'1' and <= (byte)'9')
        {
            part.Add((int)Math.Min(reader.ReadNumber(), int.MaxValue));
            if (!reader.TryConsume('.'))
            {
                break;
            }
        }

        if (reader.Peek() != (byte)']')
        {
            if (kind != SectionKind.Body)
            {
                throw new ImapSyntaxException("BINARY takes part numbers only");
            }

            var word = reader.ReadAtom().ToUpperInvariant();
            text = word switch
            {
                "HEADER" => SectionText.Header,
                "HEADER.FIELDS" => SectionText.HeaderFields,
                "HEADER.FIELDS.NOT" => SectionText.HeaderFieldsNot,
                "TEXT" => SectionText.Text,
                "MIME" when part.Count > 0 => SectionText.Mime,
                _ => throw new ImapSyntaxException($"Invalid section text {word}"),
            };
            if (text is SectionText.HeaderFields or SectionText.HeaderFieldsNot)
            {
                reader.ExpectSpace();
                reader.Expect('(');
                do
                {
                    fields.Add(reader.ReadAString());
                }
                while (reader.TryConsume(' '));

                reader.Expect(')');
            }
        }

        reader.Expect(']');
        long? offset = null;
        long? length = null;
        if (reader.TryConsume('<'))
        {
            offset = (long)reader.ReadNumber();
            reader.Expect('.');
            length = reader.ReadNumber();
            if (length == 0)
            {
                throw new ImapSyntaxException("Partial length must not be zero");
            }

            reader.Expect('>');
            if (kind == SectionKind.BinarySize)
            {
                // RFC 3516 §6: "BINARY.SIZE" section-binary, no partial.
                throw new ImapSyntaxException("BINARY.SIZE takes no partial");
            }
        }

        return new SectionRequest(kind, peek, part, text, fields, offset, length);
    }
}
