namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// One caller's change to an account's partition, as the <see cref="PartitionCommitter"/> combines
/// it with others. <see cref="Apply"/> works only on the batch it is given (it may run again, on a
/// fresh state, after a 412) and throws to fail this change alone.
/// </summary>
internal abstract class PartitionChange
{
    /// <summary>Upper bound of the change's own rows (messages, markers) in a transaction.</summary>
    public required int OwnRows { get; init; }

    /// <summary>Upper bound of folder rows it moves (the account row is always counted once per batch).</summary>
    public int SharedRows { get; init; } = 1;

    /// <summary>Rough request payload of its rows, against the transaction's 4 MB limit.</summary>
    public int EstimatedBytes { get; init; } = 1024;

    /// <summary>Keys naming its own rows (row keys, or a delivery's idempotency key): two changes sharing one never go into one transaction.</summary>
    public IReadOnlyCollection<string> ConflictKeys { get; init; } = [];

    public abstract void Apply(PartitionBatch batch);

    public abstract void Succeed();

    public abstract void Fail(Exception exception);
}

/// <summary>A change that yields a result (a UID, a MODSEQ) to its caller once committed.</summary>
internal sealed class PartitionChange<T>(Func<PartitionBatch, T> apply) : PartitionChange
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T? _result;

    public Task<T> Completion => _completion.Task;

    public override void Apply(PartitionBatch batch) => _result = apply(batch);

    public override void Succeed() => _completion.TrySetResult(_result!);

    public override void Fail(Exception exception) => _completion.TrySetException(exception);
}

/// <summary>
/// One of a change's own rows was refused (a marker that exists: 409; a message row changed or
/// gone since it was read: 412, 404). The other changes of the transaction are retried without it.
/// </summary>
internal sealed class RowConflictException(int status, string rowKey)
    : Exception($"Row {rowKey} was refused with status {status}.")
{
    public int Status { get; } = status;

    public string RowKey { get; } = rowKey;
}
