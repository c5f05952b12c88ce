using MailCloud.Core.Mailboxes;

namespace MailCloud.Gateway.Imap.Session;

/// <summary>
/// What changed in the selected folder since the session last told its client; <see cref="Recent"/>
/// is the number of \Recent messages when it changed with <see cref="Exists"/> (RFC 3501 §7.3.2).
/// <see cref="ExpungedUids"/> are the UIDs of the expunged messages, ascending (RFC 7162 §3.2.10 VANISHED).
/// </summary>
internal sealed record MailboxUpdates(IReadOnlyList<uint> ExpungedSequenceNumbers, int? Exists, int? Recent, IReadOnlyList<(uint SequenceNumber, MessageSummary Message)> FlagChanges)
{
    public IReadOnlyList<uint> ExpungedUids { get; init; } = [];
}

/// <summary>
/// A session's view of its selected folder (RFC 9051 §2.3.1.2): the sequence-number-to-UID map
/// the client knows, which moves only when the session reports EXISTS and EXPUNGE. Message
/// data comes from the shared snapshot of the folder's <see cref="FolderWatcher"/>; the session
/// keeps only the UID map.
/// </summary>
internal sealed class SelectedMailbox : IAsyncDisposable
{
    private readonly FolderLease _lease;
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly HashSet<string> _announcedKeywords = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<RecentClaim> _recent = [];
    private List<uint> _uids;
    private ulong _reportedModSeq;
    private int _reportedRecent;

    private SelectedMailbox(FolderWatcherRegistry registry, MailboxLocation location, bool readOnly)
    {
        Name = location.Name;
        AccountId = location.AccountId;
        Folder = location.Folder;
        ReadOnly = readOnly;
        _lease = registry.Acquire(location.AccountId, location.Folder, OnChanged);
        _uids = [];
    }

    /// <summary>The mailbox's name as the client knows it.</summary>
    public string Name { get; }

    /// <summary>The mailbox-store account holding the folder: the session's own, or a list archive's (<see cref="MailboxLocator"/>).</summary>
    public string AccountId { get; }

    /// <summary>The folder's name in <see cref="AccountId"/>.</summary>
    public string Folder { get; }

    public bool ReadOnly { get; }

    public FolderSnapshot Snapshot => _lease.Watcher.Snapshot;

    public uint UidValidity { get; private set; }

    /// <summary>Messages as the client knows them.</summary>
    public int Count => _uids.Count;

    /// <summary>Subscribes to the folder and takes its current state as the client's starting view.</summary>
    public static async Task<SelectedMailbox> OpenAsync(FolderWatcherRegistry registry, MailboxLocation location, bool readOnly, CancellationToken cancellationToken)
    {
        var selected = new SelectedMailbox(registry, location, readOnly);
        try
        {
            var snapshot = await selected._lease.Watcher.RefreshAsync(cancellationToken).ConfigureAwait(false);
            selected._uids = snapshot.Messages.Select(m => m.Uid).ToList();
            selected._reportedModSeq = snapshot.Status.HighestModSeq;
            selected.UidValidity = snapshot.Status.UidValidity;
            return selected;
        }
        catch
        {
            await selected.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The keywords the client has been told of in a FLAGS response.</summary>
    public IReadOnlyCollection<string> AnnouncedKeywords => _announcedKeywords;

    /// <summary>Takes note of the keywords <paramref name="messages"/> carry; true when one is new to the client.</summary>
    public bool AnnounceKeywords(IEnumerable<MessageSummary> messages)
    {
        var added = false;
        foreach (var message in messages)
        {
            foreach (var keyword in message.Flags.Keywords)
            {
                added |= _announcedKeywords.Add(keyword);
            }
        }

        return added;
    }

    /// <summary>
    /// Takes UIDs as \Recent in this session (RFC 3501 §2.3.2): those it claimed in the store, or,
    /// read-only, those no session has claimed yet. The count then reported is the starting point.
    /// </summary>
    public void AddRecent(RecentClaim claim)
    {
        if (claim.End > claim.First)
        {
            _recent.Add(claim);
        }

        RecentThrough = Math.Max(RecentThrough, claim.End);
        _reportedRecent = RecentCount;
    }

    /// <summary>UIDs below this were looked at for \Recent; a message at or above it arrived since.</summary>
    public uint RecentThrough { get; private set; }

    /// <summary>True when the folder holds a message that arrived after the last claim.</summary>
    public bool HasUnclaimedArrivals => Snapshot.Messages is [.., var last] && last.Uid >= RecentThrough;

    public bool IsRecent(uint uid) => _recent.Exists(r => uid >= r.First && uid < r.End);

    /// <summary>The messages the client knows that are \Recent in this session.</summary>
    public int RecentCount => _uids.Count(IsRecent);

    /// <summary>Completes when the folder changed since the last call (IDLE waits on it).</summary>
    public Task WaitForChangeAsync(CancellationToken cancellationToken) => _changed.WaitAsync(cancellationToken);

    /// <summary>Reloads the snapshot now, after this session changed the folder.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => _lease.Watcher.RefreshAsync(cancellationToken);

    /// <summary>The HIGHESTMODSEQ up to which the client has been told of changes.</summary>
    public ulong ReportedModSeq => _reportedModSeq;

    public uint LargestUid => _uids.Count == 0 ? 0 : _uids[^1];

    /// <summary>The UIDs the client knows, ascending.</summary>
    public IReadOnlyList<uint> Uids => _uids;

    /// <summary>The sequence number of a UID the client knows, or 0.</summary>
    public uint SequenceOf(uint uid)
    {
        var index = _uids.BinarySearch(uid);
        return index < 0 ? 0 : (uint)index + 1;
    }

    /// <summary>The message as now stored, or null when it has been expunged since.</summary>
    public MessageSummary? Find(uint uid)
    {
        var messages = Snapshot.Messages;
        int low = 0, high = messages.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var candidate = messages[middle].Uid;
            if (candidate == uid)
            {
                return messages[middle];
            }

            if (candidate < uid)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return null;
    }

    /// <summary>
    /// The messages a sequence set names: by UID (a UID the client does not know is skipped) or
    /// by sequence number (a number past the last message is a client error, RFC 9051 §9 seq-number).
    /// </summary>
    public IReadOnlyList<(uint SequenceNumber, uint Uid)> Resolve(Protocol.SequenceSet set, bool byUid)
    {
        if (!byUid && set.Ranges.Any(r => (r.First != Protocol.SequenceSet.Star && r.First > _uids.Count) || (r.Last != Protocol.SequenceSet.Star && r.Last > _uids.Count)))
        {
            throw new Protocol.ImapSyntaxException("Invalid message sequence number");
        }

        var largest = byUid ? LargestUid : (uint)_uids.Count;
        return Messages.Where(m => set.Contains(byUid ? m.Uid : m.SequenceNumber, largest)).ToList();
    }

    /// <summary>(sequence number, UID) pairs the client knows, in order.</summary>
    public IEnumerable<(uint SequenceNumber, uint Uid)> Messages => _uids.Select((uid, i) => ((uint)i + 1, uid));

    /// <summary>
    /// Compares the client's view with the latest snapshot and moves the view forward. Expunges
    /// are held back when <paramref name="allowExpunge"/> is false (RFC 9051 §7.5.1: not during
    /// FETCH, STORE or SEARCH, whose sequence numbers the client is using).
    /// </summary>
    public MailboxUpdates TakeUpdates(bool allowExpunge)
    {
        var snapshot = Snapshot;
        var current = snapshot.Messages;
        var expunged = new List<uint>();
        var expungedUids = new List<uint>();
        if (allowExpunge)
        {
            var kept = new List<uint>(_uids.Count);
            for (var i = 0; i < _uids.Count; i++)
            {
                if (Find(_uids[i]) is null)
                {
                    // Each EXPUNGE renumbers what follows: report by the number the message has at that moment.
                    expunged.Add((uint)(kept.Count + 1));
                    expungedUids.Add(_uids[i]);
                }
                else
                {
                    kept.Add(_uids[i]);
                }
            }

            _uids = kept;
        }

        var flagChanges = new List<(uint, MessageSummary)>();
        for (var i = 0; i < _uids.Count; i++)
        {
            if (Find(_uids[i]) is { } message && message.ModSeq > _reportedModSeq)
            {
                flagChanges.Add(((uint)i + 1, message));
            }
        }

        var largest = LargestUid;
        var before = _uids.Count;
        foreach (var message in current)
        {
            if (message.Uid > largest)
            {
                _uids.Add(message.Uid);
            }
        }

        _reportedModSeq = Math.Max(_reportedModSeq, snapshot.Status.HighestModSeq);
        int? recent = null;
        if (_uids.Count != before && RecentCount != _reportedRecent)
        {
            _reportedRecent = RecentCount;
            recent = _reportedRecent;
        }

        return new MailboxUpdates(expunged, _uids.Count != before ? _uids.Count : null, recent, flagChanges) { ExpungedUids = expungedUids };
    }

    private void OnChanged()
    {
        // At most one pending signal: a waiter only needs to know that something changed.
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another change signalled at the same moment; one signal is enough.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _lease.DisposeAsync().ConfigureAwait(false);
        _changed.Dispose();
    }
}
