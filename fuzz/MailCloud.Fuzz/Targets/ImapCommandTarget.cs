using MailCloud.Gateway.Imap.Commands;
using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Fuzz.Targets;

/// <summary>
/// imap-command: framing (lines and literals) and the command reader. Each command is read as
/// <c>ImapSession.ExecuteAsync</c> reads it (tag, name, the UID prefix) and its arguments in the order
/// the command's handler reads them, through the same reader calls and Protocol parsers.
/// </summary>
public static class ImapCommandTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        foreach (var command in ImapInput.Commands(input))
        {
            ImapInput.Read(new ImapCommandReader(command), reader =>
            {
                reader.ReadTag();
                reader.ExpectSpace();
                var name = reader.ReadAtom().ToUpperInvariant();
                var uid = name == "UID";
                if (uid)
                {
                    reader.ExpectSpace();
                    name = reader.ReadAtom().ToUpperInvariant();
                }

                reader.TryConsume(' ');
                ReadArguments(reader, name, uid);
            });
        }
    }

    private static void ReadArguments(ImapCommandReader reader, string name, bool uid)
    {
        switch (name)
        {
            case "LOGIN":
                reader.ReadAString();
                reader.ExpectSpace();
                reader.ReadAString();
                break;
            case "AUTHENTICATE":
                reader.ReadAtom();
                if (reader.TryConsume(' '))
                {
                    SaslTarget.Decode(reader.ReadAtom());
                }

                break;
            case "ENABLE":
                do
                {
                    reader.ReadAtom();
                }
                while (reader.TryConsume(' '));
                break;
            case "SELECT" or "EXAMINE":
                MailboxName(reader);
                SelectParameters.Parse(reader);
                break;
            case "CREATE" or "DELETE" or "SUBSCRIBE" or "UNSUBSCRIBE":
                MailboxName(reader);
                break;
            case "RENAME":
                MailboxName(reader);
                reader.ExpectSpace();
                MailboxName(reader);
                break;
            case "STATUS":
                MailboxName(reader);
                reader.ExpectSpace();
                MailboxCommands.ReadStatusItems(reader);
                break;
            case "LSUB":
                MailboxName(reader);
                reader.ExpectSpace();
                ModifiedUtf7Target.DecodeName(reader.ReadListMailbox());
                break;
            case "APPEND":
                ReadAppend(reader);
                break;
            case "FETCH":
                reader.ReadSequenceSet();
                reader.ExpectSpace();
                FetchRequest.Parse(reader);
                break;
            case "SEARCH":
                SearchRequest.Parse(reader);
                break;
            case "THREAD":
                ThreadRequest.Parse(reader);
                break;
            case "STORE":
                ReadStore(reader);
                break;
            case "COPY" or "MOVE":
                reader.ReadSequenceSet();
                reader.ExpectSpace();
                MailboxName(reader);
                break;
            case "EXPUNGE" when uid:
                reader.ReadSequenceSet();
                break;
        }

        reader.ExpectEnd();
    }

    private static void MailboxName(ImapCommandReader reader) => ModifiedUtf7Target.DecodeName(reader.ReadAString());

    private static void ReadAppend(ImapCommandReader reader)
    {
        MailboxName(reader);
        reader.ExpectSpace();
        if (reader.Peek() == (byte)'(')
        {
            FlagCodec.Parse(reader.ReadFlagList());
            reader.ExpectSpace();
        }

        if (reader.Peek() == (byte)'"')
        {
            reader.ReadDateTime();
            reader.ExpectSpace();
        }

        reader.ReadLiteral();
    }

    private static void ReadStore(ImapCommandReader reader)
    {
        reader.ReadSequenceSet();
        reader.ExpectSpace();
        if (reader.TryConsume('('))
        {
            if (!reader.TryConsumeWord("UNCHANGEDSINCE"))
            {
                throw new ImapSyntaxException("Unknown STORE modifier");
            }

            reader.ExpectSpace();
            reader.ReadNumber64();
            reader.Expect(')');
            reader.ExpectSpace();
        }

        reader.ReadAtom();
        reader.ExpectSpace();
        FlagCodec.Parse(reader.ReadFlagList(allowBare: true));
    }
}
