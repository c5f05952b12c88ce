using MailCloud.Core.Mailboxes;
using MimeKit;

namespace MailCloud.Gateway.Imap.Protocol;

/// <summary>
/// What a search key is tested against: the listing entry, whether it is \Recent in the session,
/// and the parsed message when a key needs it.
/// </summary>
public sealed record SearchCandidate(MessageSummary Summary, bool Recent, uint SequenceNumber, uint LargestSequenceNumber, uint LargestUid, MimeMessage? Message);

/// <summary>
/// A search key of RFC 9051 §6.4.4 (and MODSEQ, RFC 7162 §3.1.5). Evaluation is three-valued:
/// a key about the message's content answers null while the message is not loaded, so the
/// search opens a message only when the listing alone cannot decide.
/// </summary>
public abstract record SearchKey
{
    public abstract bool? Evaluate(SearchCandidate candidate);

    /// <summary>True when deciding needs the message body, not only its header: then the whole message is read.</summary>
    public virtual bool NeedsBody => false;

    public sealed record All : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => true;
    }

    public sealed record And(IReadOnlyList<SearchKey> Keys) : SearchKey
    {
        public override bool NeedsBody => Keys.Any(k => k.NeedsBody);

        public override bool? Evaluate(SearchCandidate candidate)
        {
            var result = (bool?)true;
            foreach (var key in Keys)
            {
                var value = key.Evaluate(candidate);
                if (value == false)
                {
                    return false;
                }

                if (value is null)
                {
                    result = null;
                }
            }

            return result;
        }
    }

    public sealed record Or(SearchKey Left, SearchKey Right) : SearchKey
    {
        public override bool NeedsBody => Left.NeedsBody || Right.NeedsBody;

        public override bool? Evaluate(SearchCandidate candidate)
        {
            var left = Left.Evaluate(candidate);
            if (left == true)
            {
                return true;
            }

            var right = Right.Evaluate(candidate);
            return right == true ? true : left is null || right is null ? null : false;
        }
    }

    public sealed record Not(SearchKey Key) : SearchKey
    {
        public override bool NeedsBody => Key.NeedsBody;

        public override bool? Evaluate(SearchCandidate candidate) => !Key.Evaluate(candidate);
    }

    /// <summary>A system flag set (ANSWERED, SEEN…) or not set (UNANSWERED, UNSEEN…).</summary>
    public sealed record Flag(SystemFlags Value, bool IsSet) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => candidate.Summary.Flags.Has(Value) == IsSet;
    }

    /// <summary>RECENT (or, not set, OLD): \Recent in this session (RFC 3501 §6.4.4).</summary>
    public sealed record Recent(bool IsSet) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => candidate.Recent == IsSet;
    }

    public sealed record Keyword(string Value, bool IsSet) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => candidate.Summary.Flags.Keywords.Contains(Value) == IsSet;
    }

    public sealed record Sequence(SequenceSet Set) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => Set.Contains(candidate.SequenceNumber, candidate.LargestSequenceNumber);
    }

    public sealed record Uid(SequenceSet Set) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => Set.Contains(candidate.Summary.Uid, candidate.LargestUid);
    }

    public sealed record Larger(long Size) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => candidate.Summary.Size > Size;
    }

    public sealed record Smaller(long Size) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => candidate.Summary.Size < Size;
    }

    /// <summary>RFC 8474 §6: the message whose EMAILID this is.</summary>
    public sealed record EmailId(string Value) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => ObjectIds.EmailId(candidate.Summary) == Value;
    }

    /// <summary>RFC 8474 §6: no message has a THREADID (FETCH answers NIL), so none matches.</summary>
    public sealed record ThreadId(string Value) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => false;
    }

    public sealed record ModSeq(ulong Value) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate) => candidate.Summary.ModSeq >= Value;
    }

    public enum DateComparison
    {
        Before,
        On,
        Since,
    }

    /// <summary>BEFORE/ON/SINCE compare the internal date; SENTBEFORE/SENTON/SENTSINCE the Date header, both disregarding time and zone.</summary>
    public sealed record Date(DateComparison Comparison, DateOnly Value, bool SentDate) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate)
        {
            DateOnly date;
            if (SentDate)
            {
                if (candidate.Message is null)
                {
                    return null;
                }

                if (candidate.Message.Headers[HeaderId.Date] is null)
                {
                    return false;
                }

                date = DateOnly.FromDateTime(candidate.Message.Date.DateTime);
            }
            else
            {
                date = DateOnly.FromDateTime(candidate.Summary.InternalDate.DateTime);
            }

            return Comparison switch
            {
                DateComparison.Before => date < Value,
                DateComparison.On => date == Value,
                _ => date >= Value,
            };
        }
    }

    /// <summary>HEADER field string (and SUBJECT): a substring of the decoded field value; an empty string matches any message having the field.</summary>
    public sealed record Header(string Field, string Value) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate)
        {
            if (candidate.Message is null)
            {
                return null;
            }

            foreach (var header in candidate.Message.Headers)
            {
                if (header.Field.Equals(Field, StringComparison.OrdinalIgnoreCase)
                    && header.Value.Contains(Value, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// FROM, TO, CC, BCC string (RFC 3501 §6.4.4): a substring of one parsed address as Dovecot
    /// writes it, "[display name ]&lt;local@domain&gt;" (comments and folding gone, the name decoded,
    /// quoted when it is not one atom), or of a group's name. A field that does not parse as addresses
    /// is matched on its decoded value; an empty string matches any message having the field.
    /// </summary>
    public sealed record Address(string Field, string Value) : SearchKey
    {
        public override bool? Evaluate(SearchCandidate candidate)
        {
            if (candidate.Message is null)
            {
                return null;
            }

            foreach (var header in candidate.Message.Headers)
            {
                if (header.Field.Equals(Field, StringComparison.OrdinalIgnoreCase) && Matches(header))
                {
                    return true;
                }
            }

            return false;
        }

        private bool Matches(MimeKit.Header header)
        {
            if (Value.Length == 0)
            {
                return true;
            }

            if (!InternetAddressList.TryParse(ParserOptions.Default, header.RawValue, out var addresses) || addresses.Count == 0)
            {
                return header.Value.Contains(Value, StringComparison.OrdinalIgnoreCase);
            }

            return Forms(addresses).Any(form => form.Contains(Value, StringComparison.OrdinalIgnoreCase));
        }

        private static IEnumerable<string> Forms(IEnumerable<InternetAddress> addresses)
        {
            foreach (var address in addresses)
            {
                switch (address)
                {
                    case MailboxAddress mailbox:
                        yield return (string.IsNullOrEmpty(mailbox.Name) ? "" : Phrase(mailbox.Name) + " ") + "<" + mailbox.Address + ">";
                        break;
                    case GroupAddress group:
                        yield return group.Name ?? "";
                        foreach (var member in Forms(group.Members))
                        {
                            yield return member;
                        }

                        break;
                }
            }
        }

        /// <summary>A display name as one atom when it is one (RFC 5322 §3.2.3 atext; 8-bit text counts as such), else quoted.</summary>
        private static string Phrase(string name) =>
            name.All(c => c >= 0x80 || char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c))
                ? name
                : "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>BODY string (text parts only) or TEXT string (header and text parts).</summary>
    public sealed record Text(string Value, bool IncludeHeader) : SearchKey
    {
        public override bool NeedsBody => true;

        public override bool? Evaluate(SearchCandidate candidate)
        {
            if (candidate.Message is not { } message)
            {
                return null;
            }

            if (IncludeHeader && message.Headers.Any(h => h.Value.Contains(Value, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }

            return message.BodyParts.OfType<TextPart>().Any(p => p.Text.Contains(Value, StringComparison.OrdinalIgnoreCase));
        }
    }
}
