using MailCloud.Core.Addresses;
using MailCloud.Core.Directory.Storage;

namespace MailCloud.Core.Directory;

/// <summary>
/// A working copy of the directory that one change is applied to, enforcing the rules that span
/// entries: every address is well formed, in a hosted domain and used once; every local alias
/// target, list member and catch-all names an existing entry; no alias or list reaches itself.
/// Each method refuses bad input with <see cref="DirectoryException"/> before changing anything.
/// </summary>
internal sealed class DirectoryDraft
{
    private readonly Dictionary<string, HostedDomain> _domains;
    private readonly Dictionary<string, Account> _accounts;
    private readonly Dictionary<string, Alias> _aliases;
    private readonly Dictionary<string, DistributionList> _lists;

    private DirectoryDraft(DirectorySnapshot snapshot)
    {
        _domains = snapshot.Domains.ToDictionary(d => d.Name, StringComparer.Ordinal);
        _accounts = snapshot.Accounts.ToDictionary(a => Key(a.Address), StringComparer.Ordinal);
        _aliases = snapshot.Aliases.ToDictionary(a => Key(a.Address), StringComparer.Ordinal);
        _lists = snapshot.Lists.ToDictionary(l => Key(l.Address), StringComparer.Ordinal);
    }

    public static DirectoryDraft From(DirectorySnapshot snapshot) => new(snapshot);

    public DirectoryDocument ToDocument() => new(
        DirectoryDocument.CurrentSchema,
        [.. _domains.Values.OrderBy(d => d.Name, StringComparer.Ordinal)],
        [.. _accounts.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value)],
        [.. _aliases.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value)],
        [.. _lists.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value)]);

    public void AddDomain(string domain)
    {
        var name = ParseDomain(domain);
        if (!_domains.TryAdd(name, new HostedDomain(name)))
        {
            throw new DirectoryException($"The domain {name} is already hosted.");
        }
    }

    /// <summary>Removes a domain; with <paramref name="force"/> also its accounts, aliases and lists.</summary>
    public void RemoveDomain(string domain, bool force)
    {
        var name = RequireDomain(domain);
        var entries = EntriesIn(name).ToList();
        if (entries.Count > 0 && !force)
        {
            throw new DirectoryException($"The domain {name} still has {entries.Count} account(s), alias(es) or list(s); remove them first or force the removal.");
        }

        foreach (var key in entries)
        {
            _accounts.Remove(key);
            _aliases.Remove(key);
            _lists.Remove(key);
        }

        _domains.Remove(name);
    }

    public void SetCatchAll(string domain, string? target)
    {
        var name = RequireDomain(domain);
        string? catchAll = null;
        if (target is not null)
        {
            var address = ParseAddress(target, "catch-all address");
            RequireExistingIfLocal(address, $"the catch-all of {name}");
            catchAll = address.ToString();
        }

        _domains[name] = _domains[name] with { CatchAll = catchAll };
    }

    public Account AddAccount(string id, string address, string passwordHash, string? displayName, long quotaBytes, DateTimeOffset createdAt)
    {
        var parsed = ParseNewAddress(address);
        ValidateLimits(new AccountLimits(quotaBytes, null));
        var account = new Account(id, parsed.ToString(), string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim(), passwordHash, quotaBytes, Enabled: true, createdAt);
        _accounts.Add(parsed.Key, account);
        return account;
    }

    public void RemoveAccount(string address)
    {
        var key = RequireEntry(_accounts, address, "account");
        RequireUnreferenced(key);
        _accounts.Remove(key);
    }

    public void UpdateAccount(string address, Func<Account, Account> update)
    {
        var key = RequireEntry(_accounts, address, "account");
        _accounts[key] = update(_accounts[key]);
    }

    public Account SetLimits(string address, Func<AccountLimits, AccountLimits> change)
    {
        var key = RequireEntry(_accounts, address, "account");
        var account = _accounts[key];
        var limits = change(new AccountLimits(account.QuotaBytes, account.QuotaMessages));
        ValidateLimits(limits);
        return _accounts[key] = account with { QuotaBytes = limits.QuotaBytes, QuotaMessages = limits.QuotaMessages };
    }

    public void AddAlias(string address, IReadOnlyList<string> targets)
    {
        var parsed = ParseNewAddress(address);
        var resolved = ParseTargets(parsed, targets, "target", "alias");
        if (resolved.Count == 0)
        {
            throw new DirectoryException($"The alias {parsed} needs at least one target.");
        }

        _aliases.Add(parsed.Key, new Alias(parsed.ToString(), resolved));
        RefuseLoopThrough(parsed.Key, "alias");
    }

    public void RemoveAlias(string address)
    {
        var key = RequireEntry(_aliases, address, "alias");
        RequireUnreferenced(key);
        _aliases.Remove(key);
    }

    public void AddList(string address, IReadOnlyList<string> members, PostingPolicy policy, IReadOnlyList<string> allowedSenders)
    {
        var parsed = ParseNewAddress(address);
        var resolvedMembers = ParseTargets(parsed, members, "member", "list");
        if (resolvedMembers.Count == 0)
        {
            throw new DirectoryException($"The list {parsed} needs at least one member.");
        }

        var senders = allowedSenders.Select(s => ParseAddress(s, "allowed sender")).DistinctBy(s => s.Key).Select(s => s.ToString()).ToList();
        if (policy == PostingPolicy.Senders && senders.Count == 0)
        {
            throw new DirectoryException($"The list {parsed} has posting policy 'senders' but no allowed senders.");
        }

        if (policy != PostingPolicy.Senders && senders.Count > 0)
        {
            throw new DirectoryException($"Allowed senders apply only to posting policy 'senders', not '{policy.ToString().ToLowerInvariant()}'.");
        }

        _lists.Add(parsed.Key, new DistributionList(parsed.ToString(), resolvedMembers, policy, senders));
        RefuseLoopThrough(parsed.Key, "list");
    }

    /// <summary>
    /// Changes a list (members, owners, settings, disabled members, policy) through <paramref name="change"/>,
    /// checked as a new list is: members must exist if local and close no loop. A list may be left with no
    /// members (everyone unsubscribed); a disabled member that is no longer a member is dropped.
    /// </summary>
    public DistributionList ReplaceList(string address, Func<DistributionList, DistributionList> change)
    {
        var key = RequireEntry(_lists, address, "list");
        var current = _lists[key];
        var changed = change(current);
        var parsed = EmailAddress.Parse(current.Address);
        if (!EmailAddress.TryParse(changed.Address, out var changedAddress) || changedAddress.Key != key)
        {
            throw new DirectoryException($"A list change cannot rename {current.Address}; remove it and add another.");
        }

        var members = ParseTargets(parsed, changed.Members, "member", "list");
        var owners = changed.Owners.Select(o => ParseAddress(o, "owner")).DistinctBy(o => o.Key).Select(o => o.ToString()).ToList();
        var senders = changed.AllowedSenders.Select(s => ParseAddress(s, "allowed sender")).DistinctBy(s => s.Key).Select(s => s.ToString()).ToList();
        if (changed.Policy == PostingPolicy.Senders && senders.Count == 0)
        {
            throw new DirectoryException($"The list {parsed} has posting policy 'senders' but no allowed senders.");
        }

        ValidateSettings(changed.Settings);
        var memberKeys = members.Select(Key).ToHashSet(StringComparer.Ordinal);
        var disabled = changed.Disabled
            .Where(d => EmailAddress.TryParse(d.Address, out var a) && memberKeys.Contains(a.Key))
            .DistinctBy(d => Key(d.Address))
            .ToList();
        var list = changed with { Address = current.Address, Members = members, Owners = owners, AllowedSenders = senders, Disabled = disabled };
        _lists[key] = list;
        RefuseLoopThrough(key, "list");
        return list;
    }

    public void RemoveList(string address)
    {
        var key = RequireEntry(_lists, address, "list");
        RequireUnreferenced(key);
        _lists.Remove(key);
    }

    private static void ValidateSettings(ListSettings settings)
    {
        if (settings.SubjectTag is { } tag && (tag.Length > ListSettings.MaxSubjectTagLength || tag.Any(char.IsControl)))
        {
            throw new DirectoryException($"A subject tag is one line of at most {ListSettings.MaxSubjectTagLength} characters.");
        }

        if (settings.Description is { } description && (description.Length > ListSettings.MaxDescriptionLength || description.Any(char.IsControl)))
        {
            throw new DirectoryException($"A list description is one line of at most {ListSettings.MaxDescriptionLength} characters.");
        }

        if (settings.Footer is { Length: > ListSettings.MaxFooterLength })
        {
            throw new DirectoryException($"A list footer is at most {ListSettings.MaxFooterLength} characters.");
        }
    }

    private static void ValidateLimits(AccountLimits limits)
    {
        if (limits.QuotaBytes <= 0)
        {
            throw new DirectoryException($"The quota must be a positive number of bytes, not {limits.QuotaBytes}.");
        }

        if (limits.QuotaMessages <= 0)
        {
            throw new DirectoryException($"The message limit must be a positive number of messages, not {limits.QuotaMessages}.");
        }
    }

    private static string Key(string storedAddress) => EmailAddress.Parse(storedAddress).Key;

    private static string ParseDomain(string domain) =>
        EmailAddress.TryNormalizeDomain(domain, out var name, out var error) ? name : throw new DirectoryException($"Invalid domain: {error}.");

    private static EmailAddress ParseAddress(string text, string role) =>
        EmailAddress.TryParse(text, out var address, out var error) ? address : throw new DirectoryException($"Invalid {role}: {error}.");

    private string RequireDomain(string domain)
    {
        var name = ParseDomain(domain);
        return _domains.ContainsKey(name) ? name : throw new DirectoryException($"The domain {name} is not hosted here.");
    }

    /// <summary>A new entry's address: well formed, in a hosted domain, and not used by any account, alias or list.</summary>
    private EmailAddress ParseNewAddress(string text)
    {
        var address = ParseAddress(text, "address");
        if (!_domains.ContainsKey(address.Domain))
        {
            throw new DirectoryException($"The domain {address.Domain} of {address} is not hosted here; add it first.");
        }

        if (DescribeEntry(address.Key) is { } existing)
        {
            throw new DirectoryException($"The address {address} is already used by {existing}.");
        }

        return address;
    }

    private static string RequireEntry<T>(Dictionary<string, T> entries, string address, string kind)
    {
        var key = ParseAddress(address, "address").Key;
        return entries.ContainsKey(key) ? key : throw new DirectoryException($"There is no {kind} {address}.");
    }

    private List<string> ParseTargets(EmailAddress owner, IReadOnlyList<string> targets, string role, string kind)
    {
        var parsed = targets.Select(t => ParseAddress(t, role)).DistinctBy(t => t.Key).ToList();
        foreach (var target in parsed)
        {
            if (target.Key == owner.Key || target.WithoutSubaddress()?.Key == owner.Key)
            {
                throw new DirectoryException($"The {kind} would create a loop: {owner} → {target}.");
            }

            RequireExistingIfLocal(target, $"the {kind} {owner}");
        }

        return [.. parsed.Select(t => t.ToString())];
    }

    /// <summary>A local address must name an entry (plus-addressing allowed); the catch-all does not count, or it could close a loop unseen.</summary>
    private void RequireExistingIfLocal(EmailAddress address, string owner)
    {
        if (_domains.ContainsKey(address.Domain) && EntryKeyOf(address) is null)
        {
            throw new DirectoryException($"{Capitalize(owner)} points to {address}, which is in a hosted domain but is no account, alias or list.");
        }
    }

    /// <summary>The key of the entry a local address reaches, exactly or by its subaddress-free form.</summary>
    private string? EntryKeyOf(EmailAddress address)
    {
        if (DescribeEntry(address.Key) is not null)
        {
            return address.Key;
        }

        return address.WithoutSubaddress() is { } user && DescribeEntry(user.Key) is not null ? user.Key : null;
    }

    private string? DescribeEntry(string key) =>
        _accounts.ContainsKey(key) ? "an account" :
        _aliases.ContainsKey(key) ? "an alias" :
        _lists.ContainsKey(key) ? "a list" :
        null;

    private IEnumerable<string> EntriesIn(string domain) =>
        _accounts.Keys.Concat(_aliases.Keys).Concat(_lists.Keys).Where(k => k.EndsWith("@" + domain, StringComparison.Ordinal));

    /// <summary>Refuses to remove an entry that an alias, a list or a catch-all still points to.</summary>
    private void RequireUnreferenced(string key)
    {
        var referrers = _aliases.Values.Where(a => a.Targets.Any(t => PointsTo(t, key))).Select(a => $"alias {a.Address}")
            .Concat(_lists.Values.Where(l => l.Members.Any(m => PointsTo(m, key))).Select(l => $"list {l.Address}"))
            .Concat(_domains.Values.Where(d => d.CatchAll is { } c && PointsTo(c, key)).Select(d => $"the catch-all of {d.Name}"))
            .ToList();
        if (referrers.Count > 0)
        {
            throw new DirectoryException($"{key} is still used by {string.Join(", ", referrers)}; change those first.");
        }
    }

    private bool PointsTo(string target, string key) => EntryKeyOf(EmailAddress.Parse(target)) == key;

    /// <summary>
    /// Before this change there was no loop, so any loop now passes through the new entry: a
    /// depth-first walk from it over alias targets and list members finds it if it exists.
    /// </summary>
    private void RefuseLoopThrough(string start, string kind)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string> { start };
        if (Walk(start))
        {
            throw new DirectoryException($"The {kind} would create a loop: {string.Join(" → ", path)}.");
        }

        bool Walk(string key)
        {
            foreach (var next in Successors(key))
            {
                path.Add(next);
                if (next == start || visited.Add(next) && Walk(next))
                {
                    return true;
                }

                path.RemoveAt(path.Count - 1);
            }

            return false;
        }
    }

    private IEnumerable<string> Successors(string key)
    {
        var targets = _aliases.TryGetValue(key, out var alias) ? alias.Targets
            : _lists.TryGetValue(key, out var list) ? list.Members
            : [];
        foreach (var target in targets)
        {
            if (EntryKeyOf(EmailAddress.Parse(target)) is { } next && (_aliases.ContainsKey(next) || _lists.ContainsKey(next)))
            {
                yield return next;
            }
        }
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
