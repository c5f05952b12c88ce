using MailCloud.Core.Mailboxes;

namespace MailCloud.Gateway.Pop3.Session;

/// <summary>
/// The INBOX as one POP3 session sees it (RFC 1939 §6): messages numbered from 1 in UID order,
/// fixed at login, with the deletions marked so far. Marks only take effect at QUIT.
/// </summary>
internal sealed class Maildrop
{
    private readonly IReadOnlyList<MessageSummary> _messages;
    private readonly HashSet<int> _deleted = [];

    public Maildrop(string accountId, FolderSnapshot snapshot)
    {
        AccountId = accountId;
        UidValidity = snapshot.Status.UidValidity;

        // Messages an IMAP client already marked \Deleted are on their way out; POP3 does not offer them.
        _messages = [.. snapshot.Messages.Where(m => !m.Flags.Has(SystemFlags.Deleted))];
    }

    public string AccountId { get; }

    public uint UidValidity { get; }

    public int Count => _messages.Count;

    /// <summary>Messages not marked deleted, with their numbers.</summary>
    public IEnumerable<(int Number, MessageSummary Message)> Live =>
        _messages.Select((m, i) => (i + 1, m)).Where(e => !_deleted.Contains(e.Item1));

    public IReadOnlyCollection<uint> DeletedUids => [.. _deleted.Select(n => _messages[n - 1].Uid)];

    /// <summary>RFC 1939 §5: a message that does not exist or is marked deleted cannot be referred to.</summary>
    public bool TryGet(int number, out MessageSummary message)
    {
        message = null!;
        if (number < 1 || number > _messages.Count || _deleted.Contains(number))
        {
            return false;
        }

        message = _messages[number - 1];
        return true;
    }

    public void MarkDeleted(int number) => _deleted.Add(number);

    public void ResetDeletions() => _deleted.Clear();

    /// <summary>UIDL: stable across sessions while UIDVALIDITY holds (RFC 1939 §7).</summary>
    public string UniqueId(MessageSummary message) => $"{UidValidity}.{message.Uid}";
}
