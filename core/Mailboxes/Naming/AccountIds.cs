using System.Text.RegularExpressions;

namespace MailCloud.Core.Mailboxes.Naming;

/// <summary>
/// Account ids become the first segment of every mailbox blob path, so they are checked to be
/// plain ids (a directory <c>Account.Id</c> is a Guid in "N" format) before any path is built.
/// </summary>
public static partial class AccountIds
{
    /// <exception cref="ArgumentException">The id is not a plain lowercase id.</exception>
    public static void Validate(string accountId)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        if (!PlainId().IsMatch(accountId))
        {
            throw new ArgumentException($"Account id '{accountId}' is not a plain id ([a-z0-9-], 1 to 64 characters).", nameof(accountId));
        }
    }

    [GeneratedRegex("^[a-z0-9-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainId();
}
