namespace MailCloud.Core.Directory;

/// <summary>
/// The directory of hosted domains, accounts, aliases and lists. Reads come from a cached
/// <see cref="DirectorySnapshot"/> that is revalidated against the stored version; writes use
/// optimistic concurrency and fail with <see cref="DirectoryException"/> on bad input.
/// </summary>
public interface IMailDirectory
{
    /// <summary>
    /// The current directory. Cached; a change made by another process is seen within seconds. When
    /// storage fails, the last snapshot read stands in; with none, <see cref="DirectoryUnavailableException"/>.
    /// </summary>
    ValueTask<DirectorySnapshot> GetSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>Checks a password (against the cached directory, as <see cref="GetSnapshotAsync"/>); null when the user is unknown, disabled, or the password is wrong.</summary>
    Task<Account?> AuthenticateAsync(string address, string password, CancellationToken cancellationToken);

    Task AddDomainAsync(string domain, CancellationToken cancellationToken);

    /// <summary>Hosts a domain and sets its catch-all in one change: both happen or neither.</summary>
    Task AddDomainAsync(string domain, string? catchAll, CancellationToken cancellationToken);

    Task RemoveDomainAsync(string domain, CancellationToken cancellationToken);

    /// <summary>Removes a domain; with <paramref name="force"/> also every account, alias and list in it, otherwise refused while it has any.</summary>
    Task RemoveDomainAsync(string domain, bool force, CancellationToken cancellationToken);
    Task SetCatchAllAsync(string domain, string? target, CancellationToken cancellationToken);

    Task<Account> AddAccountAsync(string address, string password, string? displayName, long? quotaBytes, CancellationToken cancellationToken);
    Task RemoveAccountAsync(string address, CancellationToken cancellationToken);
    Task SetPasswordAsync(string address, string password, CancellationToken cancellationToken);
    Task SetAccountEnabledAsync(string address, bool enabled, CancellationToken cancellationToken);

    /// <summary>
    /// Changes an account's limits: <paramref name="change"/> is given the current ones and returns the
    /// new, inside the directory's compare-and-swap (so it is applied again to what another change left).
    /// Refused unless every limit is positive. Returns the account as changed.
    /// </summary>
    Task<Account> SetLimitsAsync(string address, Func<AccountLimits, AccountLimits> change, CancellationToken cancellationToken);

    Task AddAliasAsync(string address, IReadOnlyList<string> targets, CancellationToken cancellationToken);
    Task RemoveAliasAsync(string address, CancellationToken cancellationToken);

    Task AddListAsync(string address, IReadOnlyList<string> members, PostingPolicy policy, IReadOnlyList<string> allowedSenders, CancellationToken cancellationToken);
    Task RemoveListAsync(string address, CancellationToken cancellationToken);

    /// <summary>
    /// Changes a list: <paramref name="change"/> is given the list as stored and returns it changed, inside
    /// the directory's compare-and-swap (so it is applied again to what another change left). Members,
    /// owners and settings are checked as for a new list. Returns the list as stored.
    /// </summary>
    Task<DistributionList> UpdateListAsync(string address, Func<DistributionList, DistributionList> change, CancellationToken cancellationToken);
}

/// <summary>
/// The directory's storage could not be reached (or refused us), and no earlier snapshot can stand in:
/// a temporary condition, so callers answer with a temporary error (SMTP 451 4.3.0) and stay up.
/// </summary>
public sealed class DirectoryUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>A directory change refused for a reason the user can fix (message says what is wrong).</summary>
public sealed class DirectoryException(string message) : Exception(message);
