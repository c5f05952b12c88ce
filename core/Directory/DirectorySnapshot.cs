using MailCloud.Core.Addresses;
using MailCloud.Core.Lists;

namespace MailCloud.Core.Directory;

/// <summary>
/// An immutable view of the whole directory at one version. All lookups take any-case
/// addresses and compare by <see cref="EmailAddress.Key"/>.
/// </summary>
public sealed class DirectorySnapshot
{
    private readonly Dictionary<string, HostedDomain> _domains;
    private readonly Dictionary<string, Account> _accountsByKey;
    private readonly Dictionary<string, Account> _accountsById;
    private readonly Dictionary<string, Alias> _aliases;
    private readonly Dictionary<string, DistributionList> _lists;
    private readonly Dictionary<string, string[]> _aliasTargetKeys;

    public DirectorySnapshot(
        string version,
        IReadOnlyList<HostedDomain> domains,
        IReadOnlyList<Account> accounts,
        IReadOnlyList<Alias> aliases,
        IReadOnlyList<DistributionList> lists)
    {
        Version = version;
        Domains = domains;
        Accounts = accounts;
        Aliases = aliases;
        Lists = lists;
        _domains = domains.ToDictionary(d => d.Name, StringComparer.Ordinal);
        _accountsByKey = accounts.ToDictionary(a => KeyOf(a.Address), StringComparer.Ordinal);
        _accountsById = accounts.ToDictionary(a => a.Id, StringComparer.Ordinal);
        _aliases = aliases.ToDictionary(a => KeyOf(a.Address), StringComparer.Ordinal);
        _lists = lists.ToDictionary(l => KeyOf(l.Address), StringComparer.Ordinal);
        _aliasTargetKeys = aliases.ToDictionary(a => KeyOf(a.Address), a => a.Targets.Select(KeyOf).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The directory before anything was ever stored.</summary>
    public static DirectorySnapshot Empty { get; } = new(string.Empty, [], [], [], []);

    /// <summary>The stored version this snapshot was read at (the blob ETag); empty when nothing is stored yet.</summary>
    public string Version { get; }

    public IReadOnlyList<HostedDomain> Domains { get; }
    public IReadOnlyList<Account> Accounts { get; }
    public IReadOnlyList<Alias> Aliases { get; }
    public IReadOnlyList<DistributionList> Lists { get; }

    public bool IsHostedDomain(string domain) =>
        EmailAddress.TryNormalizeDomain(domain, out var ascii, out _) && _domains.ContainsKey(ascii);

    public HostedDomain? FindDomain(string domain) =>
        EmailAddress.TryNormalizeDomain(domain, out var ascii, out _) ? _domains.GetValueOrDefault(ascii) : null;

    public Account? FindAccount(string address) =>
        EmailAddress.TryParse(address, out var parsed) ? _accountsByKey.GetValueOrDefault(parsed.Key) : null;

    public Account? FindAccountById(string accountId) => _accountsById.GetValueOrDefault(accountId);

    public Alias? FindAlias(string address) =>
        EmailAddress.TryParse(address, out var parsed) ? _aliases.GetValueOrDefault(parsed.Key) : null;

    public DistributionList? FindList(string address) =>
        EmailAddress.TryParse(address, out var parsed) ? _lists.GetValueOrDefault(parsed.Key) : null;

    /// <summary>What the address is: account, alias, list, catch-all, unknown local, or remote.</summary>
    /// <exception cref="FormatException">The address is not a valid RFC 5321 mailbox.</exception>
    public RecipientResolution Resolve(string address) => Resolve(EmailAddress.Parse(address));

    /// <summary>
    /// What the address is. An exact entry wins; otherwise plus-addressing (RFC 5233) maps
    /// <c>user+detail@domain</c> to the entry for <c>user@domain</c>, so users can hand out tagged
    /// addresses without asking an admin; otherwise a list's control address (<c>team-request@</c>,
    /// <c>team-bounces+token@</c>, …) reaches the list; otherwise the domain's catch-all takes it.
    /// </summary>
    public RecipientResolution Resolve(EmailAddress address)
    {
        if (!_domains.TryGetValue(address.Domain, out var domain))
        {
            return new RecipientResolution(RecipientKind.Remote, address.ToString());
        }

        if ((ResolveEntry(address) ?? (address.WithoutSubaddress() is { } user ? ResolveEntry(user) : null)) is { } entry)
        {
            return entry with { Address = address.ToString() };
        }

        if (ListAddresses.TryParse(address, out var control) && _lists.TryGetValue(control.List.Key, out var list))
        {
            return new RecipientResolution(RecipientKind.ListControl, address.ToString()) { List = list, ListControl = control };
        }

        return domain.CatchAll is { } target
            ? new RecipientResolution(RecipientKind.CatchAll, address.ToString()) { CatchAllTarget = target }
            : new RecipientResolution(RecipientKind.Unknown, address.ToString());
    }

    /// <summary>
    /// Addresses the account may use as MAIL FROM: its own and every alias whose targets include
    /// it, directly or through other aliases.
    /// </summary>
    public IReadOnlyList<string> AddressesOwnedBy(Account account)
    {
        var owned = new List<string> { account.Address };
        var reached = new HashSet<string>(StringComparer.Ordinal) { KeyOf(account.Address) };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (key, targets) in _aliasTargetKeys)
            {
                if (!reached.Contains(key) && targets.Any(reached.Contains))
                {
                    reached.Add(key);
                    owned.Add(_aliases[key].Address);
                    grew = true;
                }
            }
        }

        return owned;
    }

    /// <summary>True when the account may send as <paramref name="address"/>: an owned address, or one of them with a subaddress detail.</summary>
    public bool IsOwnedBy(Account account, EmailAddress address)
    {
        var owned = AddressesOwnedBy(account).Select(KeyOf).ToHashSet(StringComparer.Ordinal);
        return owned.Contains(address.Key) || address.WithoutSubaddress() is { } user && owned.Contains(user.Key);
    }

    private RecipientResolution? ResolveEntry(EmailAddress address)
    {
        var key = address.Key;
        if (_accountsByKey.TryGetValue(key, out var account))
        {
            return new RecipientResolution(RecipientKind.Account, address.ToString()) { Account = account };
        }

        if (_aliases.TryGetValue(key, out var alias))
        {
            return new RecipientResolution(RecipientKind.Alias, address.ToString()) { Alias = alias };
        }

        return _lists.TryGetValue(key, out var list)
            ? new RecipientResolution(RecipientKind.List, address.ToString()) { List = list }
            : null;
    }

    /// <summary>Stored addresses are already normalized; parsing again only lower-cases the local part.</summary>
    private static string KeyOf(string storedAddress) => EmailAddress.Parse(storedAddress).Key;
}
