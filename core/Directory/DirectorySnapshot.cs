namespace MailCloud.Core.Directory;

/// <summary>
/// An immutable view of the whole directory at one version. All lookups take any-case
/// addresses and compare by <see cref="Addresses.EmailAddress.Key"/>.
/// </summary>
public sealed class DirectorySnapshot(
    string version,
    IReadOnlyList<HostedDomain> domains,
    IReadOnlyList<Account> accounts,
    IReadOnlyList<Alias> aliases,
    IReadOnlyList<DistributionList> lists)
{
    /// <summary>The stored version this snapshot was read at (the blob ETag).</summary>
    public string Version { get; } = version;

    public IReadOnlyList<HostedDomain> Domains { get; } = domains;
    public IReadOnlyList<Account> Accounts { get; } = accounts;
    public IReadOnlyList<Alias> Aliases { get; } = aliases;
    public IReadOnlyList<DistributionList> Lists { get; } = lists;

    public bool IsHostedDomain(string domain) => throw new NotImplementedException();

    public Account? FindAccount(string address) => throw new NotImplementedException();

    public Account? FindAccountById(string accountId) => throw new NotImplementedException();

    /// <summary>What the address is: account, alias, list, catch-all, unknown local, or remote.</summary>
    public RecipientResolution Resolve(string address) => throw new NotImplementedException();

    /// <summary>Addresses the account may use as MAIL FROM: its own and every alias whose targets include it.</summary>
    public IReadOnlyList<string> AddressesOwnedBy(Account account) => throw new NotImplementedException();
}
