using MailCloud.Gateway.Imap.Protocol;

namespace MailCloud.Fuzz.Targets;

/// <summary>
/// imap-sequence-set: a sequence set read by <see cref="ImapCommandReader.ReadSequenceSet"/>, then what
/// commands do with one: membership against a mailbox size, and its text form, which must parse back
/// to the same ranges (UIDPLUS and ESEARCH answers are written with it).
/// </summary>
public static class ImapSequenceSetTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        SequenceSet set;
        try
        {
            set = ImapInput.FirstCommand(input).ReadSequenceSet();
        }
        catch (ImapSyntaxException)
        {
            return;
        }

        foreach (var largest in (ReadOnlySpan<uint>)[0, 1, 7, uint.MaxValue])
        {
            set.Contains(1, largest);
            set.Contains(largest, largest);
        }

        var text = set.ToString();
        var again = SequenceSet.Parse(text);
        if (!again.Ranges.SequenceEqual(set.Ranges))
        {
            throw new FuzzInvariantException($"'{text}' parses to '{again}', not to the set it was written from");
        }

        var members = set.Ranges.Where(r => r.Last != SequenceSet.Star && r.Last - r.First < 1000)
            .SelectMany(r => Enumerable.Range(0, (int)(r.Last - r.First + 1)).Select(i => (uint)(r.First + i)))
            .Distinct().Order().ToList();
        if (members.Count > 0 && SequenceSet.Format(members) is var formatted
            && !members.SequenceEqual(SequenceSet.Parse(formatted).Ranges.SelectMany(r => Enumerable.Range(0, (int)(r.Last - r.First + 1)).Select(i => (uint)(r.First + i)))))
        {
            throw new FuzzInvariantException($"Format wrote '{formatted}' for {members.Count} numbers that it does not hold");
        }
    }
}
