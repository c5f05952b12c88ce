using System.Security.Cryptography;
using MailCloud.Core.Configuration;
using MailCloud.Core.Directory.Passwords;
using MailCloud.Core.Directory.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Directory;

/// <summary>
/// The directory kept as one JSON document blob (see <see cref="DirectoryDocument"/> for why one).
/// Reads come from a cached snapshot revalidated with a conditional GET at most every
/// <see cref="DirectoryOptions.CacheRevalidationInterval"/>, so another process's change (the CLI)
/// shows within seconds and an unchanged directory is never downloaded again. Writes re-read the
/// latest version, apply the change to it and store it with If-Match, starting over when another
/// writer won, up to <see cref="DirectoryOptions.MaxWriteAttempts"/> times.
/// When storage fails, reads go on from the last snapshot read (logged, and storage tried again one
/// interval later) and nobody holding one waits for another caller's revalidation; only with no
/// snapshot at all, and for writes, does <see cref="DirectoryUnavailableException"/> reach the caller.
/// </summary>
public sealed partial class BlobMailDirectory : IMailDirectory
{
    /// <summary>
    /// How long a caller with a stale snapshot waits for another caller's revalidation. It must wait:
    /// answering from the stale snapshot would refuse, with a permanent 550, an account added since.
    /// </summary>
    private static readonly TimeSpan StaleWaitLimit = TimeSpan.FromSeconds(5);

    private readonly DirectoryBlobStore _store;
    private readonly IPasswordHasher _hasher;
    private readonly VerifiedCredentialCache _verifiedCredentials;
    private readonly DirectoryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BlobMailDirectory> _logger;
    private readonly SemaphoreSlim _revalidation = new(1, 1);

    /// <summary>Verified when the user is unknown, so an unknown user costs as much as a wrong password.</summary>
    private readonly Lazy<string> _dummyHash;

    private volatile CachedSnapshot? _cached;

    public BlobMailDirectory(
        StorageClients storage,
        IPasswordHasher hasher,
        VerifiedCredentialCache verifiedCredentials,
        IOptions<DirectoryOptions> options,
        TimeProvider time,
        ILogger<BlobMailDirectory> logger)
    {
        _store = new DirectoryBlobStore(storage.Directory);
        _hasher = hasher;
        _verifiedCredentials = verifiedCredentials;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _dummyHash = new Lazy<string>(() => hasher.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));
    }

    public ValueTask<DirectorySnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var cached = _cached;
        return cached is not null && _time.GetElapsedTime(cached.ValidatedAt) < _options.CacheRevalidationInterval
            ? ValueTask.FromResult(cached.Snapshot)
            : new ValueTask<DirectorySnapshot>(RevalidateAsync(cached, cancellationToken));
    }

    public async Task<Account?> AuthenticateAsync(string address, string password, CancellationToken cancellationToken)
    {
        var snapshot = await GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var account = snapshot.FindAccount(address);
        if (account is null)
        {
            _hasher.Verify(_dummyHash.Value, password);
            LogAuthenticationFailed(address, "unknown user");
            return null;
        }

        if (!_verifiedCredentials.IsVerified(account, password))
        {
            if (!_hasher.Verify(account.PasswordHash, password))
            {
                LogAuthenticationFailed(account.Address, "wrong password");
                return null;
            }

            _verifiedCredentials.Remember(account, password);
        }

        if (!account.Enabled)
        {
            LogAuthenticationFailed(account.Address, "account disabled");
            return null;
        }

        return account;
    }

    public Task AddDomainAsync(string domain, CancellationToken cancellationToken) =>
        AddDomainAsync(domain, catchAll: null, cancellationToken);

    public Task AddDomainAsync(string domain, string? catchAll, CancellationToken cancellationToken) =>
        UpdateAsync(
            $"add domain {domain}",
            d =>
            {
                d.AddDomain(domain);
                if (catchAll is not null)
                {
                    d.SetCatchAll(domain, catchAll);
                }
            },
            cancellationToken);

    public Task RemoveDomainAsync(string domain, CancellationToken cancellationToken) =>
        RemoveDomainAsync(domain, force: false, cancellationToken);

    public Task RemoveDomainAsync(string domain, bool force, CancellationToken cancellationToken) =>
        UpdateAsync($"remove domain {domain}", d => d.RemoveDomain(domain, force), cancellationToken);

    public Task SetCatchAllAsync(string domain, string? target, CancellationToken cancellationToken) =>
        UpdateAsync($"set the catch-all of {domain}", d => d.SetCatchAll(domain, target), cancellationToken);

    public async Task<Account> AddAccountAsync(string address, string password, string? displayName, long? quotaBytes, CancellationToken cancellationToken)
    {
        var hash = HashNewPassword(password);
        var id = Guid.NewGuid().ToString("N");
        var createdAt = _time.GetUtcNow();
        Account? added = null;
        await UpdateAsync(
            $"add account {address}",
            d => added = d.AddAccount(id, address, hash, displayName, quotaBytes ?? _options.DefaultQuotaBytes, createdAt),
            cancellationToken).ConfigureAwait(false);
        return added!;
    }

    public Task RemoveAccountAsync(string address, CancellationToken cancellationToken) =>
        UpdateAsync($"remove account {address}", d => d.RemoveAccount(address), cancellationToken);

    public Task SetPasswordAsync(string address, string password, CancellationToken cancellationToken)
    {
        var hash = HashNewPassword(password);
        return UpdateAsync($"set the password of {address}", d => d.UpdateAccount(address, a => a with { PasswordHash = hash }), cancellationToken);
    }

    public Task SetAccountEnabledAsync(string address, bool enabled, CancellationToken cancellationToken) =>
        UpdateAsync($"{(enabled ? "enable" : "disable")} account {address}", d => d.UpdateAccount(address, a => a with { Enabled = enabled }), cancellationToken);

    public async Task<Account> SetLimitsAsync(string address, Func<AccountLimits, AccountLimits> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        Account? changed = null;
        await UpdateAsync($"set the limits of {address}", d => changed = d.SetLimits(address, change), cancellationToken).ConfigureAwait(false);
        return changed!;
    }

    public Task AddAliasAsync(string address, IReadOnlyList<string> targets, CancellationToken cancellationToken) =>
        UpdateAsync($"add alias {address}", d => d.AddAlias(address, targets), cancellationToken);

    public Task RemoveAliasAsync(string address, CancellationToken cancellationToken) =>
        UpdateAsync($"remove alias {address}", d => d.RemoveAlias(address), cancellationToken);

    public Task AddListAsync(string address, IReadOnlyList<string> members, PostingPolicy policy, IReadOnlyList<string> allowedSenders, CancellationToken cancellationToken) =>
        UpdateAsync($"add list {address}", d => d.AddList(address, members, policy, allowedSenders), cancellationToken);

    public Task RemoveListAsync(string address, CancellationToken cancellationToken) =>
        UpdateAsync($"remove list {address}", d => d.RemoveList(address), cancellationToken);

    public async Task<DistributionList> UpdateListAsync(string address, Func<DistributionList, DistributionList> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        DistributionList? changed = null;
        await UpdateAsync($"change list {address}", d => changed = d.ReplaceList(address, change), cancellationToken).ConfigureAwait(false);
        return changed!;
    }

    /// <summary>Hashed once per call, outside the compare-and-swap loop: a retry must not pay 0.3 s again.</summary>
    private string HashNewPassword(string password) =>
        string.IsNullOrEmpty(password) ? throw new DirectoryException("The password is empty.") : _hasher.Hash(password);

    private async Task<DirectorySnapshot> RevalidateAsync(CachedSnapshot? seen, CancellationToken cancellationToken)
    {
        if (seen is null)
        {
            await _revalidation.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (!await _revalidation.WaitAsync(StaleWaitLimit, cancellationToken).ConfigureAwait(false))
        {
            // Someone else is asking a slow storage: go on from the stale snapshot rather than hold up every session.
            return seen.Snapshot;
        }

        try
        {
            // Another caller may have revalidated while this one waited.
            var cached = _cached;
            if (cached is not null && cached != seen && _time.GetElapsedTime(cached.ValidatedAt) < _options.CacheRevalidationInterval)
            {
                return cached.Snapshot;
            }

            return await ReadLatestAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryUnavailableException e) when (_cached is { } lastGood)
        {
            LogServingLastGood(e, lastGood.Snapshot.Version);
            // Storage is asked again one interval from now, not on every call meanwhile.
            Remember(lastGood.Snapshot);
            return lastGood.Snapshot;
        }
        finally
        {
            _revalidation.Release();
        }
    }

    private async Task<DirectorySnapshot> ReadLatestAsync(CancellationToken cancellationToken)
    {
        var cached = _cached;
        var snapshot = await _store.ReadIfChangedAsync(cached?.Snapshot.Version, cancellationToken).ConfigureAwait(false) ?? cached!.Snapshot;
        Remember(snapshot);
        return snapshot;
    }

    private async Task UpdateAsync(string change, Action<DirectoryDraft> apply, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= _options.MaxWriteAttempts; attempt++)
        {
            var current = await ReadLatestAsync(cancellationToken).ConfigureAwait(false);
            var draft = DirectoryDraft.From(current);
            apply(draft);
            var document = draft.ToDocument();
            if (await _store.TryWriteAsync(document, current.Version, cancellationToken).ConfigureAwait(false) is { } version)
            {
                Remember(document.ToSnapshot(version));
                LogChanged(change, version, attempt);
                return;
            }

            LogConflict(change, attempt);
            // Random backoff, growing with contention, so writers that collided do not collide again in lockstep.
            var delay = TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * Math.Min(attempt, 20)));
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }

        throw new DirectoryConflictException($"Could not {change}: the directory kept changing under {_options.MaxWriteAttempts} attempts. Nothing was changed; try again.");
    }

    private void Remember(DirectorySnapshot snapshot) => _cached = new CachedSnapshot(snapshot, _time.GetTimestamp());

    [LoggerMessage(Level = LogLevel.Information, Message = "Directory: {Change} (version {Version}, attempt {Attempt})")]
    private partial void LogChanged(string change, string version, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Directory: {Change} lost the compare-and-swap on attempt {Attempt}; re-reading")]
    private partial void LogConflict(string change, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Directory storage unavailable; going on with the last snapshot read (version {Version})")]
    private partial void LogServingLastGood(Exception exception, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication failed for {Address}: {Reason}")]
    private partial void LogAuthenticationFailed(string address, string reason);

    private sealed record CachedSnapshot(DirectorySnapshot Snapshot, long ValidatedAt);
}
