namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// The QRESYNC select-param (RFC 7162 §3.2.5, §7): what the client knew of the mailbox when it last
/// had it open. <see cref="KnownUids"/> limits what the server reports (all UIDs when absent); the
/// sequence match data is checked for syntax only, since the server's answer never needs it
/// (the store's tombstones are exact, and below their reach the answer compares UIDs, §3.2.5.2).
/// </summary>
public sealed record QresyncParameters(uint UidValidity, ulong ModSeq, SequenceSet? KnownUids);

/// <summary>select-params of SELECT and EXAMINE (RFC 4466 §2.1): CONDSTORE (RFC 7162 §3.1.8) and QRESYNC (§3.2.5), in any order.</summary>
public sealed record SelectParameters(bool CondStore, QresyncParameters? Qresync)
{
    public static SelectParameters None { get; } = new(false, null);

    /// <summary>Reads " (" select-param *(SP select-param) ")" when present.</summary>
    public static SelectParameters Parse(ImapCommandReader reader)
    {
        if (!reader.TryConsume(' '))
        {
            return None;
        }

        var condStore = false;
        QresyncParameters? qresync = null;
        reader.Expect('(');
        do
        {
            if (reader.TryConsumeWord("CONDSTORE") && !condStore)
            {
                condStore = true;
            }
            else if (reader.TryConsumeWord("QRESYNC") && qresync is null)
            {
                reader.ExpectSpace();
                qresync = ParseQresync(reader);
            }
            else
            {
                throw new ImapSyntaxException("Unknown SELECT parameter");
            }
        }
        while (reader.TryConsume(' '));

        reader.Expect(')');
        return new SelectParameters(condStore, qresync);
    }

    /// <summary>"(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")".</summary>
    private static QresyncParameters ParseQresync(ImapCommandReader reader)
    {
        reader.Expect('(');
        var uidValidity = reader.ReadNumber();
        reader.ExpectSpace();
        var modSeq = reader.ReadNumber64();
        SequenceSet? knownUids = null;
        if (reader.TryConsume(' '))
        {
            if (reader.Peek() != (byte)'(')
            {
                knownUids = ReadUidSet(reader, "known-uids");
                if (reader.TryConsume(' '))
                {
                    ReadSequenceMatch(reader);
                }
            }
            else
            {
                ReadSequenceMatch(reader);
            }
        }

        reader.Expect(')');
        return new QresyncParameters(uidValidity, modSeq, knownUids);
    }

    /// <summary>seq-match-data = "(" known-sequence-set SP known-uid-set ")".</summary>
    private static void ReadSequenceMatch(ImapCommandReader reader)
    {
        reader.Expect('(');
        ReadUidSet(reader, "known-sequence-set");
        reader.ExpectSpace();
        ReadUidSet(reader, "known-uid-set");
        reader.Expect(')');
    }

    /// <summary>A sequence set of known numbers: "*" names nothing the client can know (RFC 7162 §7), so it is refused, as Dovecot does.</summary>
    private static SequenceSet ReadUidSet(ImapCommandReader reader, string what)
    {
        var set = reader.ReadSequenceSet();
        if (set.Ranges.Any(r => r.Last == SequenceSet.Star))
        {
            throw new ImapSyntaxException($"Invalid QRESYNC {what}");
        }

        return set;
    }
}
