using MailCloud.Core.Directory;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Cli.Commands;

/// <summary>The account a command names by its address.</summary>
internal static class AccountLookup
{
    /// <exception cref="DirectoryException">No account has that address.</exception>
    public static async Task<Account> FindAsync(IServiceProvider services, string address, CancellationToken cancellationToken)
    {
        var snapshot = await services.GetRequiredService<IMailDirectory>().GetSnapshotAsync(cancellationToken);
        return snapshot.FindAccount(address) ?? throw new DirectoryException($"No account {address}.");
    }
}
