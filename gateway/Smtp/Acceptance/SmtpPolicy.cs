using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Gateway.Hosting;
using MailCloud.Gateway.Smtp.Protocol;

namespace MailCloud.Gateway.Smtp.Acceptance;

/// <summary>
/// Who may send what to whom. MX (port 25) takes mail only for hosted, known recipients;
/// submission takes mail only from an authenticated user, only from an address that user owns,
/// for anyone. Never an open relay (architecture invariant 5). Pure: decisions on a directory snapshot.
/// </summary>
public static class SmtpPolicy
{
    /// <summary>Returns null when the sender is acceptable, else the refusal.</summary>
    public static SmtpReply? CheckSender(SmtpRole role, Account? user, DirectorySnapshot directory, EmailAddress? sender)
    {
        if (role == SmtpRole.Mx)
        {
            return null;
        }

        if (user is null)
        {
            return SmtpReplies.AuthenticationRequired;
        }

        var owned = sender is { } address && directory.AddressesOwnedBy(user)
            .Any(a => EmailAddress.TryParse(a, out var mine) && mine.Key == address.Key);
        return owned ? null : new SmtpReply(553, "5.7.1", $"Sender address not owned by user {user.Address}");
    }

    /// <summary>Returns null when the recipient is acceptable, else the refusal.</summary>
    public static SmtpReply? CheckRecipient(Account? user, DirectorySnapshot directory, EmailAddress recipient)
    {
        return directory.Resolve(recipient).Kind switch
        {
            RecipientKind.Remote when user is not null => null,
            // RFC 5321 §3.6.2 / RFC 3463 X.7.1: relaying refused.
            RecipientKind.Remote => new SmtpReply(554, "5.7.1", $"Relay access denied for <{recipient}>"),
            RecipientKind.Unknown => new SmtpReply(550, "5.1.1", $"Mailbox <{recipient}> does not exist"),
            _ => null,
        };
    }
}
