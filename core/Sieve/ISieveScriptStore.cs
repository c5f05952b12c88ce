namespace MailCloud.Core.Sieve;

/// <summary>
/// The scripts delivery reads: the active one, and those <c>include</c> names (RFC 6609).
/// </summary>
public interface ISieveScriptSource
{
    /// <summary>The named script of <paramref name="accountId"/>, or null when there is none.</summary>
    Task<SieveScript?> GetAsync(string accountId, string name, CancellationToken cancellationToken);

    /// <summary>The active script, or null when none is active (then delivery keeps every message).</summary>
    Task<SieveScript?> GetActiveAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>A script shared by all accounts, for <c>include :global</c> (RFC 6609 §3.2), or null.</summary>
    Task<SieveScript?> GetGlobalAsync(string name, CancellationToken cancellationToken);
}

/// <summary>
/// Each account's Sieve scripts: named, at most one active, size-limited (RFC 5804 §1.3 data model).
/// ManageSieve and the CLI manage them; delivery reads them through <see cref="ISieveScriptSource"/>.
/// Writes are refused with <see cref="SieveScriptRefusedException"/> (nothing changed), fail with
/// <see cref="SieveScriptStoreUnavailableException"/> when storage does, and are safe to retry after either.
/// </summary>
public interface ISieveScriptStore : ISieveScriptSource
{
    Task<IReadOnlyList<SieveScriptEntry>> ListAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>The version <see cref="PutAsync"/> last replaced of the named script, or null when it was never replaced.</summary>
    Task<SieveScript?> GetPreviousAsync(string accountId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Why a script of <paramref name="name"/> and <paramref name="size"/> octets could not be stored now
    /// (RFC 5804 §2.5 HAVESPACE), or null when it could. Replacing a script does not count as one more.
    /// </summary>
    Task<SieveRefusal?> HaveSpaceAsync(string accountId, string name, long size, CancellationToken cancellationToken);

    /// <summary>Creates or replaces the named script (RFC 5804 §2.6 PUTSCRIPT); replacing keeps the replaced version. An active script stays active.</summary>
    Task PutAsync(string accountId, string name, string content, CancellationToken cancellationToken);

    /// <summary>Makes the named script the active one, or none when <paramref name="name"/> is null or empty (RFC 5804 §2.8).</summary>
    Task SetActiveAsync(string accountId, string? name, CancellationToken cancellationToken);

    /// <summary>Deletes the named script; the active one is refused with <see cref="SieveRefusal.Active"/> (RFC 5804 §2.10).</summary>
    Task DeleteAsync(string accountId, string name, CancellationToken cancellationToken);

    /// <summary>Renames a script, keeping it active if it was (RFC 5804 §2.11.1).</summary>
    Task RenameAsync(string accountId, string oldName, string newName, CancellationToken cancellationToken);
}

/// <summary>Why the store refused a change; ManageSieve maps each to its response code (RFC 5804 §1.3).</summary>
public enum SieveRefusal
{
    /// <summary>The name breaks RFC 5804 §1.6 or the configured length.</summary>
    InvalidName,

    /// <summary>QUOTA/MAXSIZE: the script is larger than one script may be.</summary>
    MaxSize,

    /// <summary>QUOTA/MAXSCRIPTS: the account already holds as many scripts as it may.</summary>
    MaxScripts,

    /// <summary>NONEXISTENT: no script has that name.</summary>
    NonExistent,

    /// <summary>ALREADYEXISTS: the new name is taken.</summary>
    AlreadyExists,

    /// <summary>ACTIVE: the active script cannot be deleted.</summary>
    Active,
}

/// <summary>The store refused a change for <see cref="Reason"/>; nothing was changed.</summary>
public sealed class SieveScriptRefusedException(SieveRefusal reason, string message) : Exception(message)
{
    public SieveRefusal Reason { get; } = reason;
}

/// <summary>Storage failed, or other writers kept winning; nothing was changed, and retrying is safe.</summary>
public sealed class SieveScriptStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
