using Azure;
using Azure.Data.Tables;
using MailCloud.Core.Configuration;
using MailCloud.Core.Mailboxes.Naming;
using MailCloud.Core.Mailboxes.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Mailboxes;

/// <summary>
/// The mailbox store: the index in the table <see cref="StorageClients.MailboxIndex"/>, one
/// partition per account (see <see cref="MailboxKeys"/> for the rows), message bytes in the
/// container <see cref="StorageClients.Mailboxes"/>.
/// <para><b>Changes.</b> Every change is one entity group transaction built by the account's
/// <see cref="PartitionCommitter"/>: the change's own rows plus the folder rows it moves and,
/// when usage or the folder count changes, the account row, all with If-Match. So quota is
/// checked and updated inside the change, COPY and MOVE between folders are atomic, and a 412
/// means another instance committed first (re-read, re-apply). Concurrent changes of one
/// account in this process share transactions (group commit). A STORE, EXPUNGE, COPY or MOVE of
/// more messages than fit one transaction (100 entities) runs as several, each with a higher MODSEQ.</para>
/// <para><b>Append.</b> Upload the bytes to a new blob (one Put Blob up to
/// <see cref="MailboxStoreOptions.UploadBlockBytes"/>), then one transaction: message row,
/// delivery marker (Add: a replay at any later time is refused with 409 and answered from the
/// marker), folder row (UIDNEXT, HIGHESTMODSEQ, counts), account row (usage). A blob whose
/// transaction was refused is deleted at once; one whose outcome is unknown is left for the sweep.
/// Three requests (header query, upload, transaction), two once the committer holds the rows,
/// whatever the folder's size. A multi-append (<see cref="AppendManyAsync"/>, IMAP MULTIAPPEND)
/// uploads every message, then commits all rows in one transaction, so it stores all or none. A
/// delivery (<see cref="AppendAcceptedAsync"/>) uploads nothing: its row references the accepted
/// spool blob and keeps the few trace lines delivery adds, so it is the transaction alone.</para>
/// <para><b>Reads.</b> Status is the folder row; a snapshot is the folder row then one range
/// query of the folder's message rows; <see cref="GetChangesAsync"/> is the same query limited to
/// MODSEQ above a point.</para>
/// </summary>
public sealed partial class TableMailboxStore : IMailboxStore
{
    /// <summary>Message rows one transaction carries, leaving room for the folder and account rows.</summary>
    private const int RowsPerTransaction = PartitionCommitter.MaxEntities - 2;

    /// <summary>An EXPUNGE's message rows per transaction: one entity goes to its tombstone.</summary>
    private const int ExpungesPerTransaction = RowsPerTransaction - 1;

    /// <summary>A MOVE writes two rows per message (delete, insert), the source's tombstone, two folder rows and room for the account row.</summary>
    private const int MovesPerTransaction = (PartitionCommitter.MaxEntities - 4) / 2;

    /// <summary>A RENAME or CREATE moves this many folder rows at most in its one transaction.</summary>
    private const int MaxFolderRowsPerChange = PartitionCommitter.MaxEntities - 2;

    /// <summary>Tries of a change whose own rows were refused (changed under it) before giving up.</summary>
    private const int MaxRowRetries = 10;

    private readonly MailboxIndex _index;
    private readonly MessageBlobs _blobs;
    private readonly string _spoolContainer;
    private readonly PartitionCommitters _committers;
    private readonly MailboxStoreOptions _options;
    private readonly ILogger<TableMailboxStore> _logger;

    public TableMailboxStore(StorageClients storage, IOptions<MailboxStoreOptions> options, TimeProvider clock, ILogger<TableMailboxStore> logger)
    {
        _options = options.Value;
        _logger = logger;
        _index = new MailboxIndex(storage.MailboxIndex, clock);
        _blobs = new MessageBlobs(storage.Mailboxes, _options, logger);
        _spoolContainer = storage.Spool.Name;
        _committers = new PartitionCommitters(_index, _options, logger);
    }

    public Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(string accountId, CancellationToken cancellationToken) => Guard(async () =>
    {
        AccountIds.Validate(accountId);
        var state = await _index.ReadHeaderAsync(accountId, cancellationToken).ConfigureAwait(false);
        var subscribed = state.SubscribedNames();
        return (IReadOnlyList<FolderInfo>)[.. state.Folders
            .OrderBy(f => FolderName.IsInbox(f.Name) ? 0 : 1)
            .ThenBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => f.ToInfo() with { Subscribed = subscribed.Contains(f.Name) })];
    });

    public Task<IReadOnlyList<string>> ListSubscriptionsAsync(string accountId, CancellationToken cancellationToken) => Guard(async () =>
    {
        AccountIds.Validate(accountId);
        var state = await _index.ReadHeaderAsync(accountId, cancellationToken).ConfigureAwait(false);
        return (IReadOnlyList<string>)[.. state.SubscribedNames().Order(StringComparer.Ordinal)];
    });

    public Task<FolderInfo> CreateFolderAsync(string accountId, string name, SpecialUse specialUse, CancellationToken cancellationToken) => Guard(async () =>
    {
        AccountIds.Validate(accountId);
        ArgumentOutOfRangeException.ThrowIfEqual(specialUse, SpecialUse.Inbox);
        var normalized = FolderName.Normalize(name);
        var levels = normalized.Split(FolderName.Delimiter).Length;
        if (levels > MaxFolderRowsPerChange)
        {
            throw new InvalidFolderNameException(normalized, $"it has more than {MaxFolderRowsPerChange} hierarchy levels");
        }

        var created = await SubmitAsync(accountId, new PartitionChange<FolderInfo>(batch =>
        {
            if (batch.FindFolder(normalized) is not null)
            {
                throw new FolderAlreadyExistsException(normalized);
            }

            var missing = FolderName.Superiors(normalized).Where(s => batch.FindFolder(s) is null).Append(normalized).ToList();
            CheckFolderLimit(batch, missing.Count);
            FolderRow? folder = null;
            foreach (var level in missing)
            {
                folder = NewFolder(batch, level, level == normalized ? specialUse : SpecialUse.None);
            }

            return folder!.ToInfo();
        })
        { OwnRows = 0, SharedRows = levels }).ConfigureAwait(false);
        LogFolderCreated(normalized, accountId);
        return created;
    });

    public Task RenameFolderAsync(string accountId, string oldName, string newName, CancellationToken cancellationToken) => Guard(async () =>
    {
        AccountIds.Validate(accountId);
        var from = FolderName.Normalize(oldName);
        var to = FolderName.Normalize(newName);
        var state = await _index.ReadHeaderAsync(accountId, cancellationToken).ConfigureAwait(false);
        var legacySubscriptions = state.Folders.Count(f => FolderName.IsSameOrBelow(f.Name, from) && f.Subscribed);
        var moving = state.Folders.Count(f => FolderName.IsSameOrBelow(f.Name, from)) + to.Split(FolderName.Delimiter).Length + 1;
        if (moving + legacySubscriptions > MaxFolderRowsPerChange)
        {
            throw new FolderOperationNotAllowedException(from, $"renaming more than {MaxFolderRowsPerChange} folders at once is not supported");
        }

        await SubmitAsync(accountId, new PartitionChange<bool>(batch => Rename(batch, from, to)) { OwnRows = legacySubscriptions, SharedRows = moving }).ConfigureAwait(false);
        LogFolderRenamed(from, to, accountId);
        return true;
    });

    public Task DeleteFolderAsync(string accountId, string name, CancellationToken cancellationToken) => Guard(async () =>
    {
        AccountIds.Validate(accountId);
        var normalized = FolderName.Normalize(name);
        var folderId = await SubmitAsync(accountId, new PartitionChange<string>(batch =>
        {
            // RFC 9051 §6.3.5: one folder goes (its inferiors stay); INBOX cannot.
            if (FolderName.IsInbox(normalized))
            {
                throw new FolderOperationNotAllowedException(normalized, "INBOX cannot be deleted");
            }

            var folder = batch.Folder(normalized);

            // RFC 9051 §6.3.7: the subscription outlives the folder; an older flag on the row becomes a row of its own.
            KeepLegacySubscription(batch, folder);
            batch.DeleteFolder(folder);
            var account = batch.TouchAccount();
            account.FolderCount--;
            account.UsedBytes -= folder.TotalSize;
            account.MessageCount -= folder.MessageCount;
            return folder.FolderId;
        }) { OwnRows = 1 }).ConfigureAwait(false);

        // The folder row is gone, so nothing reaches these rows and blobs any more; a crash here
        // leaves unreachable rows and blobs for the sweep, never a half-deleted visible folder.
        var rows = await _index.QueryMessagesAsync(accountId, folderId, null, CancellationToken.None).ConfigureAwait(false);
        await DeleteRowsAsync(accountId, MailboxKeys.MessagesOf(folderId)).ConfigureAwait(false);
        await DeleteRowsAsync(accountId, MailboxKeys.MarkersOf(folderId)).ConfigureAwait(false);
        await DeleteRowsAsync(accountId, MailboxKeys.TombstonesOf(folderId)).ConfigureAwait(false);
        await _blobs.DeleteUnreferencedAsync(rows.Select(r => r.Blob)).ConfigureAwait(false);
        LogFolderDeleted(normalized, rows.Count, accountId);
        return true;
    });

    public Task SetSubscribedAsync(string accountId, string name, bool subscribed, CancellationToken cancellationToken) => Guard(async () =>
    {
        AccountIds.Validate(accountId);
        var normalized = FolderName.Normalize(name);
        var key = MailboxKeys.Subscription(normalized);
        var existing = subscribed
            ? null
            : (await _index.ReadHeaderAsync(accountId, cancellationToken).ConfigureAwait(false)).Subscriptions.FirstOrDefault(s => s.Name == normalized);
        try
        {
            return await SubmitAsync(accountId, new PartitionChange<bool>(batch =>
            {
                var folder = batch.FindFolder(normalized);
                if (subscribed)
                {
                    // RFC 9051 §6.3.7: SUBSCRIBE names an existing mailbox; UNSUBSCRIBE any name, existing or not.
                    _ = folder ?? throw new FolderNotFoundException(normalized);
                    batch.Add(TableTransactionActionType.UpsertReplace, SubscriptionRow.ToEntity(accountId, normalized));
                    return true;
                }

                if (folder is { Subscribed: true })
                {
                    batch.Touch(folder).Subscribed = false;
                }

                if (existing is not null)
                {
                    batch.Add(TableTransactionActionType.Delete, new TableEntity(accountId, key) { ETag = existing.ETag });
                }

                return true;
            })
            {
                OwnRows = 1,
                ConflictKeys = [key],
            }).ConfigureAwait(false);
        }
        catch (RowConflictException) when (!subscribed)
        {
            // The subscription row changed or went since it was read: another UNSUBSCRIBE (or SUBSCRIBE) won the race.
            return true;
        }
    });

    public Task<FolderStatus> GetStatusAsync(string accountId, string folder, CancellationToken cancellationToken) => Guard(async () =>
        (await ReadFolderAsync(accountId, folder, cancellationToken).ConfigureAwait(false)).ToStatus());

    public Task<RecentClaim> ClaimRecentAsync(string accountId, string folder, uint knownUidNext, CancellationToken cancellationToken) => Guard(async () =>
    {
        AccountIds.Validate(accountId);
        var normalized = FolderName.Normalize(folder);
        return await SubmitAsync(accountId, new PartitionChange<RecentClaim>(batch =>
        {
            var target = batch.Folder(normalized);

            // A cached row that has not seen UIDNEXT move to knownUidNext is touched all the same: its stale ETag fails (412) and the row is read again.
            if (target.FirstRecentUid >= Math.Max(target.UidNext, knownUidNext))
            {
                return new RecentClaim(target.UidNext, target.UidNext);
            }

            var first = target.FirstRecentUid;
            batch.Touch(target).FirstRecentUid = Math.Max(target.UidNext, first);
            return new RecentClaim(first, target.FirstRecentUid);
        }) { OwnRows = 0 }).ConfigureAwait(false);
    });

    public Task<string> GetChangeTokenAsync(string accountId, string folder, CancellationToken cancellationToken) => Guard(async () =>
        (await ReadFolderAsync(accountId, folder, cancellationToken).ConfigureAwait(false)).ETag.ToString());

    public Task<FolderSnapshot> GetSnapshotAsync(string accountId, string folder, CancellationToken cancellationToken) => Guard(async () =>
    {
        var row = await ReadFolderAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        var messages = await _index.QueryMessagesAsync(accountId, row.FolderId, null, cancellationToken).ConfigureAwait(false);
        var status = Cover(row.ToStatus(), messages);

        // Counted from the list itself, so status and list agree even when a change landed between the two reads.
        status = status with
        {
            MessageCount = messages.Count,
            TotalSize = messages.Sum(m => m.Size),
            UnseenCount = messages.Count(m => !m.Flags.Has(SystemFlags.Seen)),
        };
        return new FolderSnapshot(status, [.. messages.Select(m => m.ToSummary())]);
    });

    public Task<FolderChanges> GetChangesAsync(string accountId, string folder, ulong sinceModSeq, CancellationToken cancellationToken) => Guard(async () =>
    {
        var row = await ReadFolderAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        var changed = await _index.QueryMessagesAsync(accountId, row.FolderId, sinceModSeq, cancellationToken).ConfigureAwait(false);

        // After the message rows: every expunge committed before a change the list shows is found
        // (each change moves the folder row, so commits are ordered by MODSEQ). Tombstones are not
        // covered by the status: a later expunge may be seen early, and is simply seen again.
        var tombstones = await _index.QueryTombstonesAsync(accountId, row.FolderId, sinceModSeq, null, cancellationToken).ConfigureAwait(false);
        var floor = row.VanishedFloor;
        if (sinceModSeq < row.HighestModSeq && sinceModSeq >= floor)
        {
            // A prune running meanwhile may have raised the floor and removed tombstones this query missed.
            floor = (await _index.ReadFolderRowAsync(accountId, row.FolderId, cancellationToken).ConfigureAwait(false))?.VanishedFloor ?? ulong.MaxValue;
        }

        return new FolderChanges(Cover(row.ToStatus(), changed), [.. changed.Select(m => m.ToSummary())])
        {
            Vanished = [.. tombstones.SelectMany(t => t.Uids).Distinct().Order()],
            VanishedExact = sinceModSeq >= floor,
        };
    });

    public Task<AppendResult> AppendAsync(string accountId, string folder, Stream content, MessageFlags flags, DateTimeOffset internalDate, string? idempotencyKey, MailboxQuota quota, CancellationToken cancellationToken) => Guard(async () =>
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(flags);
        AccountIds.Validate(accountId);
        var normalized = FolderName.Normalize(folder);
        var blob = _blobs.NewReference(accountId);
        var (size, headers) = await _blobs.UploadAsync(blob, content, cancellationToken).ConfigureAwait(false);
        var message = new StoredBytes(blob, null, size, headers);
        return await AppendRowAsync(accountId, normalized, message, flags, internalDate, idempotencyKey, quota, cancellationToken).ConfigureAwait(false);
    });

    public Task<AppendResult> AppendAcceptedAsync(string accountId, string folder, AcceptedMessage message, MessageFlags flags, DateTimeOffset internalDate, string idempotencyKey, MailboxQuota quota, CancellationToken cancellationToken) => Guard(async () =>
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        AccountIds.Validate(accountId);
        var normalized = FolderName.Normalize(folder);
        var stored = new StoredBytes(
            new MessageBlobReference(_spoolContainer, message.SpoolBlob),
            message.Prefix.IsEmpty ? null : message.Prefix.ToArray(),
            message.Prefix.Length + message.Size,
            await HeaderCaptureStream.ParseAsync(message.Prefix, message.Head, cancellationToken).ConfigureAwait(false));
        return await AppendRowAsync(accountId, normalized, stored, flags, internalDate, idempotencyKey, quota, cancellationToken).ConfigureAwait(false);
    });

    public Task<AppendManyResult> AppendManyAsync(string accountId, string folder, IReadOnlyList<AppendMessage> messages, MailboxQuota quota, CancellationToken cancellationToken) => Guard(async () =>
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentOutOfRangeException.ThrowIfZero(messages.Count, nameof(messages));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(messages.Count, IMailboxStore.MaxMessagesPerAppend, nameof(messages));
        AccountIds.Validate(accountId);
        var normalized = FolderName.Normalize(folder);
        var blobs = messages.Select(_ => _blobs.NewReference(accountId)).ToArray();
        var stored = new (long Size, SearchHeaders? Headers)[messages.Count];
        try
        {
            // All bytes first: the rows are committed only once every blob exists (RFC 3502 §6: all or none).
            await Parallel.ForAsync(0, messages.Count, Parallelism(cancellationToken), async (i, token) =>
                stored[i] = await _blobs.UploadAsync(blobs[i], messages[i].Content, token).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch
        {
            // No transaction was sent, so no row references any of them.
            await _blobs.DeleteUnreferencedAsync(blobs).ConfigureAwait(false);
            throw;
        }

        var uids = new uint[messages.Count];
        var pending = Enumerable.Range(0, messages.Count).ToList();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                string? folderId = null;
                try
                {
                    var (uidValidity, added) = await SubmitAsync(accountId, AppendManyChange(accountId, normalized, messages, pending, blobs, stored, quota, id => folderId = id)).ConfigureAwait(false);
                    for (var i = 0; i < pending.Count; i++)
                    {
                        uids[pending[i]] = added[i];
                    }

                    return new AppendManyResult(uidValidity, uids) { AlreadyStored = messages.Count - pending.Count };
                }
                catch (RowConflictException) when (folderId is not null && attempt < MaxRowRetries && pending.Any(i => messages[i].IdempotencyKey is not null))
                {
                    // A marker exists: those messages were stored before. Leave them out and store the rest.
                    var seen = await ReadMarkersAsync(accountId, folderId, pending.Where(i => messages[i].IdempotencyKey is not null).ToList(), messages).ConfigureAwait(false);
                    foreach (var (index, uid) in seen)
                    {
                        uids[index] = uid;
                        pending.Remove(index);
                    }

                    await _blobs.DeleteUnreferencedAsync(seen.Select(s => blobs[s.Index]).ToArray()).ConfigureAwait(false);
                    if (pending.Count == 0)
                    {
                        var target = await ReadFolderAsync(accountId, normalized, CancellationToken.None).ConfigureAwait(false);
                        return new AppendManyResult(target.UidValidity, uids) { AlreadyStored = messages.Count };
                    }
                }
            }
        }
        catch (Exception e) when (e is MailboxException and not MailboxStoreUnavailableException or RowConflictException or ArgumentException)
        {
            // Refused for certain (over quota, no such folder, a row refused): none of the pending rows exists. A lost response leaves the blobs to the sweep.
            await _blobs.DeleteUnreferencedAsync(pending.Select(i => blobs[i]).ToArray()).ConfigureAwait(false);
            throw;
        }
    });

    /// <summary>The transaction of an <see cref="AppendManyAsync"/> for the messages at <paramref name="pending"/>: their rows and markers, folder and account rows.</summary>
    private static PartitionChange<(uint UidValidity, List<uint> Uids)> AppendManyChange(
        string accountId,
        string normalized,
        IReadOnlyList<AppendMessage> messages,
        IReadOnlyList<int> pending,
        MessageBlobReference[] blobs,
        (long Size, SearchHeaders? Headers)[] stored,
        MailboxQuota quota,
        Action<string> folderRead)
    {
        var keys = pending.Select(i => messages[i].IdempotencyKey).OfType<string>().ToList();
        return new PartitionChange<(uint, List<uint>)>(batch =>
        {
            var target = batch.Folder(normalized);
            folderRead(target.FolderId);
            var account = batch.Account;
            var total = pending.Sum(i => stored[i].Size);
            if (!quota.Allows(account.UsedBytes + total))
            {
                throw new MailboxQuotaExceededException(account.UsedBytes, total, quota.MaxBytes);
            }

            batch.Touch(target);
            var modSeq = ++target.HighestModSeq;
            var uids = new List<uint>(pending.Count);
            foreach (var i in pending)
            {
                var row = new MessageRow
                {
                    FolderId = target.FolderId,
                    Uid = target.UidNext++,
                    Flags = messages[i].Flags,
                    InternalDate = messages[i].InternalDate,
                    Size = stored[i].Size,
                    ModSeq = modSeq,
                    Blob = blobs[i],
                    Headers = stored[i].Headers,
                };
                target.Count(row, +1);
                batch.Add(TableTransactionActionType.Add, row.ToEntity(accountId));
                if (messages[i].IdempotencyKey is { } key)
                {
                    batch.Add(TableTransactionActionType.Add, MailboxIndex.Marker(accountId, target.FolderId, key, row.Uid));
                }

                uids.Add(row.Uid);
            }

            batch.TouchAccount();
            account.UsedBytes += total;
            account.MessageCount += pending.Count;
            return (target.UidValidity, uids);
        })
        {
            OwnRows = pending.Count + keys.Count,
            EstimatedBytes = pending.Sum(i => 1024 + (2 * (stored[i].Headers?.TotalLength ?? 0)) + (2 * messages[i].Flags.Keywords.Sum(k => k.Length + 1))),
            ConflictKeys = keys,
        };
    }

    /// <summary>Which of the keyed messages at <paramref name="keyed"/> the folder has a marker for, with the UID each got.</summary>
    private async Task<List<(int Index, uint Uid)>> ReadMarkersAsync(string accountId, string folderId, IReadOnlyList<int> keyed, IReadOnlyList<AppendMessage> messages)
    {
        var uids = new uint?[keyed.Count];
        await Parallel.ForAsync(0, keyed.Count, Parallelism(CancellationToken.None), async (i, token) =>
            uids[i] = await _index.ReadMarkerAsync(accountId, folderId, messages[keyed[i]].IdempotencyKey!, token).ConfigureAwait(false)).ConfigureAwait(false);
        return [.. keyed.Select((index, i) => (index, uids[i])).Where(m => m.Item2 is not null).Select(m => (m.index, m.Item2!.Value))];
    }

    /// <summary>
    /// The append's transaction, once the bytes are stored: row, marker, folder and account rows.
    /// A blob of the mailbox container that no row will reference (refused, already delivered) is deleted.
    /// </summary>
    private async Task<AppendResult> AppendRowAsync(string accountId, string normalized, StoredBytes message, MessageFlags flags, DateTimeOffset internalDate, string? idempotencyKey, MailboxQuota quota, CancellationToken cancellationToken)
    {
        var (blob, prefix, size, headers) = message;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                string? folderId = null;
                var change = new PartitionChange<AppendResult>(batch =>
                {
                    var target = batch.Folder(normalized);
                    folderId = target.FolderId;
                    var account = batch.Account;
                    if (!quota.Allows(account.UsedBytes + size))
                    {
                        throw new MailboxQuotaExceededException(account.UsedBytes, size, quota.MaxBytes);
                    }

                    batch.Touch(target);
                    var row = new MessageRow
                    {
                        FolderId = target.FolderId,
                        Uid = target.UidNext++,
                        Flags = flags,
                        InternalDate = internalDate,
                        Size = size,
                        ModSeq = ++target.HighestModSeq,
                        Blob = blob,
                        Prefix = prefix,
                        Headers = headers,
                    };
                    target.Count(row, +1);
                    batch.TouchAccount();
                    account.UsedBytes += size;
                    account.MessageCount++;
                    batch.Add(TableTransactionActionType.Add, row.ToEntity(accountId));
                    if (idempotencyKey is not null)
                    {
                        batch.Add(TableTransactionActionType.Add, MailboxIndex.Marker(accountId, target.FolderId, idempotencyKey, row.Uid));
                    }

                    return new AppendResult(target.UidValidity, row.Uid, AlreadyDelivered: false);
                })
                {
                    OwnRows = idempotencyKey is null ? 1 : 2,
                    EstimatedBytes = 1024 + (2 * (headers?.TotalLength ?? 0)) + (2 * (prefix?.Length ?? 0)),
                    ConflictKeys = idempotencyKey is null ? [] : [idempotencyKey],
                };

                try
                {
                    return await SubmitAsync(accountId, change).ConfigureAwait(false);
                }
                catch (Exception e) when (idempotencyKey is not null && folderId is not null && e is RowConflictException or MailboxQuotaExceededException)
                {
                    // A marker means this delivery was stored before (perhaps a year ago, perhaps since expunged): the first result stands.
                    if (await _index.ReadMarkerAsync(accountId, folderId, idempotencyKey, CancellationToken.None).ConfigureAwait(false) is { } uid)
                    {
                        await _blobs.DeleteUnreferencedAsync([blob]).ConfigureAwait(false);
                        var target = await ReadFolderAsync(accountId, normalized, CancellationToken.None).ConfigureAwait(false);
                        LogAlreadyDelivered(uid, accountId);
                        return new AppendResult(target.UidValidity, uid, AlreadyDelivered: true);
                    }

                    if (e is not RowConflictException || attempt >= MaxRowRetries)
                    {
                        throw;
                    }
                }
            }
        }
        catch (Exception e) when (e is MailboxException and not MailboxStoreUnavailableException or RowConflictException or ArgumentException)
        {
            // Refused for certain, so nothing references the blob.
            await _blobs.DeleteUnreferencedAsync([blob]).ConfigureAwait(false);
            throw;
        }
    }

    public Task<Stream> OpenMessageAsync(string accountId, string folder, uint uid, long offset = 0, long? length = null, CancellationToken cancellationToken = default) => Guard(async () =>
    {
        CheckRange(offset, length);
        var row = await ReadFolderAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        var message = await _index.ReadMessageAsync(accountId, row.FolderId, uid, cancellationToken).ConfigureAwait(false)
            ?? throw new MessageNotFoundException(row.Name, uid);
        return await OpenCoreAsync(message.ToSummary(), offset, length, cancellationToken).ConfigureAwait(false);
    });

    public Task<Stream> OpenMessageAsync(MessageSummary message, long offset = 0, long? length = null, CancellationToken cancellationToken = default) => Guard(() =>
    {
        ArgumentNullException.ThrowIfNull(message);
        CheckRange(offset, length);
        return OpenCoreAsync(message, offset, length, cancellationToken);
    });

    public Task<StoreFlagsResult> StoreFlagsAsync(string accountId, string folder, IReadOnlyCollection<uint> uids, FlagChangeMode mode, MessageFlags flags, ulong? unchangedSince, CancellationToken cancellationToken) => Guard(async () =>
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(flags);
        var row = await ReadFolderAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        var changed = new List<MessageSummary>();
        var failed = new List<uint>();
        foreach (var chunk in uids.Distinct().Order().Chunk(RowsPerTransaction))
        {
            var (chunkChanged, chunkFailed) = await WithRowRetriesAsync(accountId, row.FolderId, chunk, rows => new PartitionChange<(List<MessageSummary>, List<uint>)>(batch =>
            {
                var target = batch.FolderById(row.FolderId) ?? throw new FolderNotFoundException(row.Name);
                var modSeq = target.HighestModSeq + 1;
                var done = new List<MessageSummary>();
                var refused = new List<uint>();
                foreach (var message in rows)
                {
                    // RFC 7162 §3.1.3: a message modified after UNCHANGEDSINCE is left alone and reported.
                    if (message.ModSeq > unchangedSince)
                    {
                        refused.Add(message.Uid);
                        continue;
                    }

                    var next = FlagChanges.Apply(message.Flags, mode, flags);
                    if (FlagChanges.AreEqual(next, message.Flags))
                    {
                        continue;
                    }

                    var updated = message.WithFlags(next, modSeq);
                    target.Count(message, -1);
                    target.Count(updated, +1);
                    batch.Add(TableTransactionActionType.UpdateMerge, updated.ToFlagsEntity(accountId));
                    done.Add(updated.ToSummary());
                }

                if (done.Count > 0)
                {
                    batch.Touch(target).HighestModSeq = modSeq;
                }

                return (done, refused);
            })
            {
                OwnRows = rows.Count,
                ConflictKeys = [.. rows.Select(r => r.RowKey)],
            }, cancellationToken).ConfigureAwait(false);
            changed.AddRange(chunkChanged);
            failed.AddRange(chunkFailed);
        }

        return new StoreFlagsResult(changed, failed);
    });

    public Task<CopyResult> CopyAsync(string accountId, string sourceFolder, IReadOnlyCollection<uint> uids, string destinationFolder, MailboxQuota quota, CancellationToken cancellationToken) => Guard(async () =>
    {
        ArgumentNullException.ThrowIfNull(uids);
        var (source, destination, state) = await ReadPairAsync(accountId, sourceFolder, destinationFolder, cancellationToken).ConfigureAwait(false);
        var rows = await _index.ReadMessagesAsync(accountId, source.FolderId, uids, cancellationToken).ConfigureAwait(false);

        // Refused before any byte is copied when the whole COPY cannot fit; each transaction checks again.
        var total = rows.Sum(r => r.Size);
        if (!quota.Allows(state.Account.UsedBytes + total))
        {
            throw new MailboxQuotaExceededException(state.Account.UsedBytes, total, quota.MaxBytes);
        }

        var mapping = new List<(uint, uint)>();
        foreach (var chunk in rows.Chunk(RowsPerTransaction))
        {
            var copies = new List<(MessageRow Source, MessageBlobReference Blob)>();
            foreach (var shared in chunk.Where(m => !_blobs.IsOwned(m.Blob)))
            {
                // A spool blob is shared already and swept by reference: the copy references it too.
                copies.Add((shared, shared.Blob));
            }

            await Parallel.ForEachAsync(chunk.Where(m => _blobs.IsOwned(m.Blob)), Parallelism(cancellationToken), async (message, token) =>
            {
                var blob = _blobs.NewReference(accountId);
                if (await _blobs.TryCopyAsync(message.Blob, blob, token).ConfigureAwait(false))
                {
                    lock (copies)
                    {
                        copies.Add((message, blob));
                    }
                }
            }).ConfigureAwait(false);
            copies.Sort((a, b) => a.Source.Uid.CompareTo(b.Source.Uid));

            try
            {
                mapping.AddRange(await SubmitAsync(accountId, new PartitionChange<List<(uint, uint)>>(batch =>
                {
                    var target = batch.Folder(destination.Name);
                    var account = batch.Account;
                    var size = copies.Sum(c => c.Source.Size);
                    if (!quota.Allows(account.UsedBytes + size))
                    {
                        throw new MailboxQuotaExceededException(account.UsedBytes, size, quota.MaxBytes);
                    }

                    batch.Touch(target);
                    var modSeq = ++target.HighestModSeq;
                    var pairs = new List<(uint, uint)>();
                    foreach (var (message, blob) in copies)
                    {
                        // RFC 9051 §6.4.7: the copy keeps flags and internal date.
                        var copy = message.CopyTo(target.FolderId, target.UidNext++, modSeq, blob);
                        target.Count(copy, +1);
                        batch.Add(TableTransactionActionType.Add, copy.ToEntity(accountId));
                        pairs.Add((message.Uid, copy.Uid));
                    }

                    batch.TouchAccount();
                    account.UsedBytes += size;
                    account.MessageCount += copies.Count;
                    return pairs;
                })
                {
                    OwnRows = copies.Count,
                    EstimatedBytes = copies.Sum(c => c.Source.EstimatedBytes),
                }).ConfigureAwait(false));
            }
            catch (Exception e) when (e is MailboxException and not MailboxStoreUnavailableException)
            {
                await _blobs.DeleteUnreferencedAsync(copies.Select(c => c.Blob)).ConfigureAwait(false);
                throw;
            }
        }

        return new CopyResult(destination.UidValidity, mapping);
    });

    public Task<CopyResult> MoveAsync(string accountId, string sourceFolder, IReadOnlyCollection<uint> uids, string destinationFolder, CancellationToken cancellationToken) => Guard(async () =>
    {
        ArgumentNullException.ThrowIfNull(uids);
        var (source, destination, _) = await ReadPairAsync(accountId, sourceFolder, destinationFolder, cancellationToken).ConfigureAwait(false);
        var mapping = new List<(uint, uint)>();
        var tombstones = 0;
        foreach (var chunk in uids.Distinct().Order().Chunk(MovesPerTransaction))
        {
            // RFC 6851 §3.3: moved messages leave the source whatever their flags; one transaction moves row and counts.
            mapping.AddRange(await WithRowRetriesAsync(accountId, source.FolderId, chunk, rows => new PartitionChange<List<(uint, uint)>>(batch =>
            {
                var from = batch.FolderById(source.FolderId) ?? throw new FolderNotFoundException(source.Name);
                var to = batch.Folder(destination.Name);
                var pairs = new List<(uint, uint)>();
                if (rows.Count == 0)
                {
                    return pairs;
                }

                RecordExpunge(batch, from, rows.Select(r => r.Uid));
                tombstones = from.TombstoneCount;
                var addedAt = ++batch.Touch(to).HighestModSeq;
                foreach (var message in rows)
                {
                    batch.Add(TableTransactionActionType.Delete, message.ToFlagsEntity(accountId));
                    from.Count(message, -1);
                    var moved = message.CopyTo(to.FolderId, to.UidNext++, addedAt, message.Blob);
                    to.Count(moved, +1);
                    batch.Add(TableTransactionActionType.Add, moved.ToEntity(accountId));
                    pairs.Add((message.Uid, moved.Uid));
                }

                return pairs;
            })
            {
                OwnRows = (2 * rows.Count) + 1,
                SharedRows = 2,
                EstimatedBytes = rows.Sum(r => r.EstimatedBytes),
                ConflictKeys = [.. rows.Select(r => r.RowKey)],
            }, cancellationToken).ConfigureAwait(false));
        }

        await PruneTombstonesAsync(accountId, source.FolderId, tombstones).ConfigureAwait(false);
        return new CopyResult(destination.UidValidity, mapping);
    });

    public Task<IReadOnlyList<uint>> ExpungeAsync(string accountId, string folder, IReadOnlyCollection<uint>? uids, CancellationToken cancellationToken) => Guard(async () =>
    {
        var row = await ReadFolderAsync(accountId, folder, cancellationToken).ConfigureAwait(false);
        var rows = uids is null
            ? await _index.QueryMessagesAsync(accountId, row.FolderId, null, cancellationToken).ConfigureAwait(false)
            : await _index.ReadMessagesAsync(accountId, row.FolderId, uids, cancellationToken).ConfigureAwait(false);
        var removed = new List<uint>();
        var tombstones = 0;
        foreach (var chunk in rows.Where(r => r.Flags.Has(SystemFlags.Deleted)).Chunk(ExpungesPerTransaction))
        {
            var gone = await WithRowRetriesAsync(accountId, row.FolderId, [.. chunk.Select(r => r.Uid)], current => new PartitionChange<List<MessageRow>>(batch =>
            {
                var target = batch.FolderById(row.FolderId) ?? throw new FolderNotFoundException(row.Name);

                // Checked on the rows as now read: a concurrent STORE -FLAGS \Deleted wins (its ETag makes ours fail and re-read).
                var doomed = current.Where(m => m.Flags.Has(SystemFlags.Deleted)).ToList();
                if (doomed.Count == 0)
                {
                    return doomed;
                }

                RecordExpunge(batch, target, doomed.Select(m => m.Uid));
                tombstones = target.TombstoneCount;
                var account = batch.TouchAccount();
                foreach (var message in doomed)
                {
                    batch.Add(TableTransactionActionType.Delete, message.ToFlagsEntity(accountId));
                    target.Count(message, -1);
                    account.UsedBytes -= message.Size;
                    account.MessageCount--;
                }

                return doomed;
            })
            {
                OwnRows = current.Count + 1,
                ConflictKeys = [.. current.Select(r => r.RowKey)],
            }, cancellationToken, [.. chunk]).ConfigureAwait(false);
            removed.AddRange(gone.Select(m => m.Uid));
            await _blobs.DeleteUnreferencedAsync(gone.Select(m => m.Blob)).ConfigureAwait(false);
        }

        await PruneTombstonesAsync(accountId, row.FolderId, tombstones).ConfigureAwait(false);
        return (IReadOnlyList<uint>)removed;
    });

    public Task<QuotaUsage> GetQuotaUsageAsync(string accountId, CancellationToken cancellationToken) => Guard(async () =>
    {
        AccountIds.Validate(accountId);
        var account = await _index.ReadAccountAsync(accountId, cancellationToken).ConfigureAwait(false);
        return new QuotaUsage(account?.UsedBytes ?? 0, account?.MessageCount ?? 0);
    });

    /// <summary>Every public member ends here: storage failures leave as <see cref="MailboxStoreUnavailableException"/>.</summary>
    private static async Task<T> Guard<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFailures.IsStorageFailure(e))
        {
            throw StorageFailures.Translate(e);
        }
        catch (RowConflictException e)
        {
            throw new MailboxStoreUnavailableException("The mailbox kept changing under this change; try again.", e);
        }
    }

    private static void CheckRange(long offset, long? length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } requested)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(requested, nameof(length));
        }
    }

    /// <summary>Raises UIDNEXT and HIGHESTMODSEQ over messages read after the folder row, so none lies above what the status claims.</summary>
    private static FolderStatus Cover(FolderStatus status, List<MessageRow> messages) => messages.Count == 0
        ? status
        : status with
        {
            UidNext = Math.Max(status.UidNext, messages.Max(m => m.Uid) + 1),
            HighestModSeq = Math.Max(status.HighestModSeq, messages.Max(m => m.ModSeq)),
        };

    private async Task<Stream> OpenCoreAsync(MessageSummary message, long offset, long? length, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return Stream.Null;
        }

        var blob = message.Blob ?? throw new MessageNotFoundException("", message.Uid);
        return await _blobs.OpenAsync(blob, message.Prefix, offset, length, cancellationToken).ConfigureAwait(false)
            ?? throw new MessageNotFoundException("", message.Uid);
    }

    /// <summary>Where an append's bytes are and what the row keeps of them.</summary>
    private sealed record StoredBytes(MessageBlobReference Blob, byte[]? Prefix, long Size, SearchHeaders? Headers);

    private async Task<FolderRow> ReadFolderAsync(string accountId, string folder, CancellationToken cancellationToken)
    {
        AccountIds.Validate(accountId);
        var normalized = FolderName.Normalize(folder);
        var state = await _index.ReadHeaderAsync(accountId, cancellationToken).ConfigureAwait(false);
        return state.FindFolder(normalized) ?? throw new FolderNotFoundException(normalized);
    }

    private async Task<(FolderRow Source, FolderRow Destination, PartitionState State)> ReadPairAsync(string accountId, string source, string destination, CancellationToken cancellationToken)
    {
        AccountIds.Validate(accountId);
        var from = FolderName.Normalize(source);
        var to = FolderName.Normalize(destination);
        var state = await _index.ReadHeaderAsync(accountId, cancellationToken).ConfigureAwait(false);
        return (state.FindFolder(from) ?? throw new FolderNotFoundException(from), state.FindFolder(to) ?? throw new FolderNotFoundException(to), state);
    }

    private Task<T> SubmitAsync<T>(string accountId, PartitionChange<T> change) =>
        _committers.For(accountId).SubmitAsync(change);

    /// <summary>
    /// Reads the rows of <paramref name="uids"/> and submits the change built on them; when one of
    /// them changed or vanished before the commit (412, 404), reads them again and rebuilds.
    /// </summary>
    private async Task<T> WithRowRetriesAsync<T>(string accountId, string folderId, IReadOnlyCollection<uint> uids, Func<List<MessageRow>, PartitionChange<T>> build, CancellationToken cancellationToken, List<MessageRow>? alreadyRead = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var rows = attempt == 1 && alreadyRead is not null
                ? alreadyRead
                : await _index.ReadMessagesAsync(accountId, folderId, uids, cancellationToken).ConfigureAwait(false);
            try
            {
                return await SubmitAsync(accountId, build(rows)).ConfigureAwait(false);
            }
            catch (RowConflictException) when (attempt < MaxRowRetries)
            {
            }
        }
    }

    private ParallelOptions Parallelism(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = _options.MaxParallelRequests, CancellationToken = cancellationToken };

    private void CheckFolderLimit(PartitionBatch batch, int adding)
    {
        if (batch.Folders.Count() + adding > _options.MaxFoldersPerAccount)
        {
            throw new FolderLimitExceededException(_options.MaxFoldersPerAccount);
        }
    }

    /// <summary>Migration on write: a folder row's older Subscribed flag becomes a subscription row of its current name, in this change's transaction.</summary>
    private static void KeepLegacySubscription(PartitionBatch batch, FolderRow folder)
    {
        if (folder.Subscribed)
        {
            batch.Touch(folder).Subscribed = false;
            batch.Add(TableTransactionActionType.UpsertReplace, SubscriptionRow.ToEntity(batch.AccountId, folder.Name));
        }
    }

    private static FolderRow NewFolder(PartitionBatch batch, string name, SpecialUse specialUse)
    {
        var account = batch.TouchAccount();
        var folder = new FolderRow { FolderId = MailboxKeys.NewFolderId(), Name = name, UidValidity = account.NextUidValidity++, SpecialUse = specialUse };
        account.FolderCount++;
        batch.InsertFolder(folder);
        return folder;
    }

    /// <summary>
    /// RFC 9051 §6.3.6. A folder and its inferiors take the new name, keeping ids and UIDVALIDITY
    /// (their UIDs stay valid; no message row moves). Renaming INBOX instead moves its messages:
    /// the new name takes INBOX's row, and a fresh INBOX row starts over empty with a new id and UIDVALIDITY.
    /// </summary>
    private bool Rename(PartitionBatch batch, string from, string to)
    {
        var source = batch.Folder(from);
        if (batch.FindFolder(to) is not null)
        {
            throw new FolderAlreadyExistsException(to);
        }

        if (!FolderName.IsInbox(from) && FolderName.IsSameOrBelow(to, from))
        {
            throw new InvalidFolderNameException(to, $"it lies inside '{from}', the folder being renamed");
        }

        var superiors = FolderName.Superiors(to).Where(s => batch.FindFolder(s) is null).ToList();
        CheckFolderLimit(batch, superiors.Count + (FolderName.IsInbox(from) ? 1 : 0));
        foreach (var superior in superiors)
        {
            NewFolder(batch, superior, SpecialUse.None);
        }

        // Subscriptions stay with the names (as Dovecot keeps them): an older flag on a renamed row becomes a row under the old name.
        if (FolderName.IsInbox(from))
        {
            KeepLegacySubscription(batch, source);
            batch.Touch(source).Name = to;
            source.SpecialUse = SpecialUse.None;
            NewFolder(batch, FolderName.Inbox, SpecialUse.Inbox);
            return true;
        }

        foreach (var folder in batch.Folders.Where(f => FolderName.IsSameOrBelow(f.Name, from)).ToList())
        {
            KeepLegacySubscription(batch, folder);
            batch.Touch(folder).Name = to + folder.Name[from.Length..];
        }

        return true;
    }

    /// <summary>
    /// The expunge's MODSEQ on the folder row and, in the same transaction, its tombstone naming the
    /// UIDs (RFC 7162 §3.2.5: what vanished since a MODSEQ). The caller deletes the message rows.
    /// </summary>
    private static void RecordExpunge(PartitionBatch batch, FolderRow folder, IEnumerable<uint> uids)
    {
        var modSeq = ++batch.Touch(folder).HighestModSeq;
        folder.TombstoneCount++;
        batch.Add(TableTransactionActionType.Add, new TombstoneRow { FolderId = folder.FolderId, ModSeq = modSeq, Uids = [.. uids] }.ToEntity(batch.AccountId));
    }

    /// <summary>
    /// Keeps a folder's tombstones to <see cref="MailboxStoreOptions.MaxTombstonesPerFolder"/>: deletes the
    /// oldest beyond it and raises the folder's VANISHED floor to the newest one deleted, in one transaction
    /// with the folder row per chunk. Best effort after the expunge that went past the limit (a failure
    /// leaves extra tombstones for the next expunge to prune).
    /// </summary>
    private async Task PruneTombstonesAsync(string accountId, string folderId, int tombstones)
    {
        var excess = tombstones - _options.MaxTombstonesPerFolder;
        if (excess <= 0)
        {
            return;
        }

        try
        {
            var oldest = await _index.QueryTombstonesAsync(accountId, folderId, 0, excess, CancellationToken.None).ConfigureAwait(false);
            foreach (var chunk in oldest.Chunk(RowsPerTransaction))
            {
                await SubmitAsync(accountId, new PartitionChange<bool>(batch =>
                {
                    if (batch.FolderById(folderId) is not { } folder)
                    {
                        return false;
                    }

                    batch.Touch(folder).VanishedFloor = Math.Max(folder.VanishedFloor, chunk[^1].ModSeq);
                    folder.TombstoneCount -= chunk.Length;
                    foreach (var tombstone in chunk)
                    {
                        batch.Add(TableTransactionActionType.Delete, new TableEntity(accountId, tombstone.RowKey) { ETag = ETag.All });
                    }

                    return true;
                })
                {
                    OwnRows = chunk.Length,
                    ConflictKeys = [.. chunk.Select(t => t.RowKey)],
                }).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is MailboxStoreUnavailableException or RowConflictException || StorageFailures.IsStorageFailure(e))
        {
            LogPruneFailed(e, folderId, accountId);
        }
    }

    /// <summary>Deletes every row of a range of the partition (a deleted folder's messages or markers), 100 per transaction.</summary>
    private async Task DeleteRowsAsync(string accountId, string prefix)
    {
        var keys = new List<string>();
        await foreach (var entity in _index.Table.QueryAsync<TableEntity>(MailboxKeys.RangeFilter(accountId, prefix, MailboxKeys.RangeEnd(prefix)), select: ["RowKey"]).ConfigureAwait(false))
        {
            keys.Add(entity.RowKey);
        }

        foreach (var chunk in keys.Chunk(PartitionCommitter.MaxEntities))
        {
            await _index.Table.SubmitTransactionAsync(chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(accountId, key))), CancellationToken.None).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created folder {Folder} for account {AccountId}")]
    private partial void LogFolderCreated(string folder, string accountId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Renamed folder {OldName} to {NewName} for account {AccountId}")]
    private partial void LogFolderRenamed(string oldName, string newName, string accountId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted folder {Folder} ({MessageCount} messages) for account {AccountId}")]
    private partial void LogFolderDeleted(string folder, int messageCount, string accountId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning the expunge tombstones of folder {FolderId} for account {AccountId} failed")]
    private partial void LogPruneFailed(Exception exception, string folderId, string accountId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivery already stored as UID {Uid} for account {AccountId}")]
    private partial void LogAlreadyDelivered(uint uid, string accountId);
}
