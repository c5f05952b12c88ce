using MailCloud.Core.Directory;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Functions.Tests.Support;

/// <summary>A real directory whose snapshots carry extra aliases, for states its write path refuses (loops).</summary>
public sealed class ExtraAliasesDirectory(IMailDirectory inner, IReadOnlyList<Alias> extra) : IMailDirectory
{
    public async ValueTask<DirectorySnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        var s = await inner.GetSnapshotAsync(cancellationToken);
        return new DirectorySnapshot(s.Version, s.Domains, s.Accounts, [.. s.Aliases, .. extra], s.Lists);
    }

    public Task<Account?> AuthenticateAsync(string address, string password, CancellationToken cancellationToken) => inner.AuthenticateAsync(address, password, cancellationToken);
    public Task AddDomainAsync(string domain, CancellationToken cancellationToken) => inner.AddDomainAsync(domain, cancellationToken);
    public Task AddDomainAsync(string domain, string? catchAll, CancellationToken cancellationToken) => inner.AddDomainAsync(domain, catchAll, cancellationToken);
    public Task RemoveDomainAsync(string domain, CancellationToken cancellationToken) => inner.RemoveDomainAsync(domain, cancellationToken);
    public Task RemoveDomainAsync(string domain, bool force, CancellationToken cancellationToken) => inner.RemoveDomainAsync(domain, force, cancellationToken);
    public Task SetCatchAllAsync(string domain, string? target, CancellationToken cancellationToken) => inner.SetCatchAllAsync(domain, target, cancellationToken);
    public Task<Account> AddAccountAsync(string address, string password, string? displayName, long? quotaBytes, CancellationToken cancellationToken) => inner.AddAccountAsync(address, password, displayName, quotaBytes, cancellationToken);
    public Task RemoveAccountAsync(string address, CancellationToken cancellationToken) => inner.RemoveAccountAsync(address, cancellationToken);
    public Task SetPasswordAsync(string address, string password, CancellationToken cancellationToken) => inner.SetPasswordAsync(address, password, cancellationToken);
    public Task SetAccountEnabledAsync(string address, bool enabled, CancellationToken cancellationToken) => inner.SetAccountEnabledAsync(address, enabled, cancellationToken);
    public Task<Account> SetLimitsAsync(string address, Func<AccountLimits, AccountLimits> change, CancellationToken cancellationToken) => inner.SetLimitsAsync(address, change, cancellationToken);
    public Task AddAliasAsync(string address, IReadOnlyList<string> targets, CancellationToken cancellationToken) => inner.AddAliasAsync(address, targets, cancellationToken);
    public Task RemoveAliasAsync(string address, CancellationToken cancellationToken) => inner.RemoveAliasAsync(address, cancellationToken);
    public Task AddListAsync(string address, IReadOnlyList<string> members, PostingPolicy policy, IReadOnlyList<string> allowedSenders, CancellationToken cancellationToken) => inner.AddListAsync(address, members, policy, allowedSenders, cancellationToken);
    public Task RemoveListAsync(string address, CancellationToken cancellationToken) => inner.RemoveListAsync(address, cancellationToken);
    public Task<DistributionList> UpdateListAsync(string address, Func<DistributionList, DistributionList> change, CancellationToken cancellationToken) => inner.UpdateListAsync(address, change, cancellationToken);
}

public static class ServiceCollectionDecoration
{
    /// <summary>Wraps the registered singleton <typeparamref name="T"/> (type- or factory-registered) in a decorator.</summary>
    public static void Decorate<T>(this IServiceCollection services, Func<T, T> decorate)
        where T : class
    {
        var inner = services.Single(d => d.ServiceType == typeof(T));
        services.Remove(inner);
        services.AddSingleton(sp => decorate(inner.ImplementationFactory is { } factory
            ? (T)factory(sp)
            : (T)ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!)));
    }
}
