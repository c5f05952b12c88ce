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

        // As for From: an owned address, or one of them with a +detail (RFC 5233), which the user hands out.
        return sender is { } address && directory.IsOwnedBy(user, address)
            ? null
            : new SmtpReply(553, "5.7.1", $"Sender address not owned by user {user.Address}");
    }

    /// <summary>
    /// The hosted domain a bare <c>postmaster</c> (RFC 5321 §4.1.1.3, §4.5.1) belongs to: the one our
    /// host name is in (mx.example.test → example.test), else the first hosted domain; null when
    /// nothing is hosted.
    /// </summary>
    public static string? PrimaryDomain(DirectorySnapshot directory, string hostName)
    {
        var host = hostName.TrimEnd('.').ToLowerInvariant();
        return directory.Domains
            .Select(d => d.Name)
            .Where(d => host == d || host.EndsWith("." + d, StringComparison.Ordinal))
            .MaxBy(d => d.Length)
            ?? directory.Domains.FirstOrDefault()?.Name;
    }

    /// <summary>
    /// Submission: every From and Sender address must be the user's own (an address, an alias that
    /// reaches them, or one of those with a +detail), so nothing leaves under a name its user may not
    /// use (architecture invariant 7). Returns null when acceptable, else the refusal.
    /// </summary>
    public static SmtpReply? CheckAuthors(Account user, DirectorySnapshot directory, bool readable, IReadOnlyList<string> authors)
    {
        if (!readable)
        {
            return new SmtpReply(550, "5.7.1", "From or Sender field cannot be read");
        }

        foreach (var author in authors)
        {
            if (!EmailAddress.TryParse(author, out var address) || !directory.IsOwnedBy(user, address))
            {
                return new SmtpReply(550, "5.7.1", $"Author address <{author}> not owned by user {user.Address}");
            }
        }

        return null;
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
