namespace MailCloud.Core.Sieve;

/// <summary>
/// Each account's Sieve scripts: named, at most one active, size-limited (RFC 5804 §1.3 data model).
/// ManageSieve and the CLI manage them; delivery runs the active one and resolves <c>include</c> (RFC 6609).
/// </summary>
public interface ISieveScriptStore
{
    Task<IReadOnlyList<SieveScriptEntry>> ListAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>The named script of <paramref name="accountId"/>, or null when there is none.</summary>
    Task<SieveScript?> GetAsync(string accountId, string name, CancellationToken cancellationToken);

    /// <summary>The active script, or null when none is active (then delivery keeps every message).</summary>
    Task<SieveScript?> GetActiveAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>A script shared by all accounts, for <c>include :global</c> (RFC 6609 §3.2), or null.</summary>
    Task<SieveScript?> GetGlobalAsync(string name, CancellationToken cancellationToken);
}
