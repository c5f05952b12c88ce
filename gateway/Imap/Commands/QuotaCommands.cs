using MailCloud.Core.Mailboxes;
using MailCloud.Gateway.Imap.Protocol;
using MailCloud.Gateway.Imap.Session;

namespace MailCloud.Gateway.Imap.Commands;

/// <summary>
/// QUOTA (RFC 9208): one quota root per account, named "", that governs every folder. Usage (octets
/// and messages) is the account row the store checks inside each change's transaction; the limits are
/// the directory's <c>QuotaBytes</c> and, when set, <c>QuotaMessages</c>. Quotas are set by the
/// administrator (<c>mailcloud account quota</c>), so QUOTASET is not announced and SETQUOTA is refused.
/// </summary>
internal static class QuotaCommands
{
    /// <summary>The account's only quota root.</summary>
    private const string Root = "";

    // RFC 9208 §4.2: GETQUOTA quota-root.
    public static async Task<ImapCompletion> GetQuotaAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var root = command.Arguments.ReadAString();
        command.Arguments.ExpectEnd();
        if (root != Root)
        {
            return ImapCompletion.No("No such quota root", "NONEXISTENT");
        }

        await WriteQuotaAsync(session, cancellationToken).ConfigureAwait(false);
        return ImapCompletion.Ok("GETQUOTA completed");
    }

    // RFC 9208 §4.3: GETQUOTAROOT mailbox answers QUOTAROOT, then QUOTA for each root.
    public static async Task<ImapCompletion> GetQuotaRootAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var wire = command.Arguments.ReadAString();
        command.Arguments.ExpectEnd();
        var name = session.DecodeMailboxName(wire);

        // The mailbox must exist (FolderNotFoundException answers NO [NONEXISTENT]). A list archive counts against no quota of the user's: no root (RFC 9208 §4.3).
        var location = await session.LocateAsync(name, cancellationToken).ConfigureAwait(false);
        await session.Store.GetStatusAsync(location.AccountId, location.Folder, cancellationToken).ConfigureAwait(false);
        if (location.Shared)
        {
            session.Writer.Raw("* QUOTAROOT ").String(session.EncodeMailboxName(name)).Crlf();
            return ImapCompletion.Ok("GETQUOTAROOT completed");
        }

        session.Writer.Raw("* QUOTAROOT ").String(session.EncodeMailboxName(name)).Raw(' ').String(Root).Crlf();
        await WriteQuotaAsync(session, cancellationToken).ConfigureAwait(false);
        return ImapCompletion.Ok("GETQUOTAROOT completed");
    }

    // RFC 9208 §4.1.3: without QUOTASET a client may not change limits.
    public static Task<ImapCompletion> SetQuotaAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var arguments = command.Arguments;
        arguments.ReadAString();
        arguments.ExpectSpace();
        arguments.Expect('(');
        if (!arguments.TryConsume(')'))
        {
            do
            {
                arguments.ReadAtom();
                arguments.ExpectSpace();
                arguments.ReadNumber64();
            }
            while (arguments.TryConsume(' '));

            arguments.Expect(')');
        }

        arguments.ExpectEnd();
        return Task.FromResult(ImapCompletion.No("Quotas are set by the administrator", "NOPERM"));
    }

    /// <summary>
    /// RFC 9208 §5: "* QUOTA root (resource usage limit ...)", listing the resources that have a limit
    /// (a QUOTA response cannot say "unlimited"), in Dovecot's order. Every account has a byte limit:
    /// STORAGE counts units of 1024 octets (§5.1), rounded down as Dovecot does; MESSAGE (§5.2) counts
    /// the messages of all folders and is listed when the account has a message limit.
    /// </summary>
    public static void WriteQuota(ImapResponseWriter writer, QuotaUsage usage, MailboxQuota quota)
    {
        writer.Raw("* QUOTA ").String(Root).Raw(" (STORAGE ").Number(usage.UsedBytes / 1024).Raw(' ').Number(quota.MaxBytes / 1024);
        if (quota.LimitsMessages)
        {
            writer.Raw(" MESSAGE ").Number(usage.MessageCount).Raw(' ').Number(quota.MaxMessages);
        }

        writer.Raw(')').Crlf();
    }

    private static async Task WriteQuotaAsync(ImapSession session, CancellationToken cancellationToken)
    {
        var usage = await session.Store.GetQuotaUsageAsync(session.AccountId, cancellationToken).ConfigureAwait(false);
        WriteQuota(session.Writer, usage, session.Quota);
    }
}
