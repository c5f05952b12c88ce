using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Naming;
using ImapFlags = MailKit.MessageFlags;
using MessageFlags = MailCloud.Core.Mailboxes.MessageFlags;

namespace MailCloud.Core.Transfer.Imap;

/// <summary>Where an IMAP import reads from: <c>imaps://user@host[:993]</c> (TLS from the start) or <c>imap://user@host[:143]</c> (STARTTLS when offered).</summary>
public sealed record ImapSource(string Host, int Port, bool ImplicitTls, string UserName)
{
    /// <summary>Reads an imap:// or imaps:// URL; null when it is neither, or has no user name.</summary>
    public static ImapSource? Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("imap" or "imaps") || uri.UserInfo.Length == 0 || uri.Host.Length == 0)
        {
            return null;
        }

        var implicitTls = uri.Scheme == "imaps";
        return new ImapSource(uri.Host, uri.IsDefaultPort ? (implicitTls ? 993 : 143) : uri.Port, implicitTls, Uri.UnescapeDataString(uri.UserInfo));
    }
}

/// <summary>
/// Reads every selectable folder of another IMAP server's personal namespace with MailKit: per folder
/// one FETCH of UID, FLAGS, INTERNALDATE and RFC822.SIZE, then each message's bytes by UID (read-only
/// EXAMINE, so \Seen is not set on the source). Folder names have the server's delimiter made "/".
/// </summary>
public sealed class ImapArchiveReader(ImapSource source, string password, bool acceptAnyCertificate) : IArchiveReader
{
    public async IAsyncEnumerable<ArchivedMessage> ReadAsync(IReadOnlySet<string>? folders, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var client = new ImapClient();
        if (acceptAnyCertificate)
        {
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        }

        var remote = await Remote(async () =>
        {
            await client.ConnectAsync(source.Host, source.Port, source.ImplicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable, cancellationToken).ConfigureAwait(false);
            await client.AuthenticateAsync(source.UserName, password, cancellationToken).ConfigureAwait(false);
            var all = new List<IMailFolder> { client.Inbox };
            foreach (var space in client.PersonalNamespaces)
            {
                all.AddRange(await client.GetFoldersAsync(space, subscribedOnly: false, cancellationToken: cancellationToken).ConfigureAwait(false));
            }

            return all;
        }).ConfigureAwait(false);

        foreach (var folder in remote.DistinctBy(f => f.FullName, StringComparer.Ordinal))
        {
            if (folder.Attributes.HasFlag(FolderAttributes.NoSelect) || folder.Attributes.HasFlag(FolderAttributes.NonExistent))
            {
                continue;
            }

            var name = folder == client.Inbox ? FolderName.Inbox : folder.DirectorySeparator == '\0' ? folder.FullName : folder.FullName.Replace(folder.DirectorySeparator, '/');
            if (folders is not null && !folders.Contains(name))
            {
                continue;
            }

            var summaries = await Remote(async () =>
            {
                await folder.OpenAsync(FolderAccess.ReadOnly, cancellationToken).ConfigureAwait(false);
                return folder.Count == 0
                    ? []
                    : await folder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            foreach (var summary in summaries.OrderBy(s => s.UniqueId.Id))
            {
                var content = await Remote(async () =>
                {
                    var copy = new MemoryStream();
                    using var stream = await folder.GetStreamAsync(summary.UniqueId, cancellationToken).ConfigureAwait(false);
                    await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                    copy.Position = 0;
                    return copy;
                }).ConfigureAwait(false);
                yield return new ArchivedMessage(name, FlagsOf(summary), summary.InternalDate ?? DateTimeOffset.UnixEpoch, content);
            }

            await Remote(async () =>
            {
                await folder.CloseAsync(expunge: false, cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }

        await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a step against the server, reporting its refusal or loss as an <see cref="ArchiveException"/>.</summary>
    private async Task<T> Remote<T>(Func<Task<T>> step)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (Exception e) when (e is MailKit.Security.AuthenticationException or ImapCommandException or ImapProtocolException or ServiceNotConnectedException
                                  or SslHandshakeException or System.Net.Sockets.SocketException or IOException)
        {
            throw new ArchiveException($"IMAP source {source.UserName}@{source.Host}:{source.Port}: {e.Message}", e);
        }
    }

    private static MessageFlags FlagsOf(IMessageSummary summary)
    {
        var flags = summary.Flags ?? ImapFlags.None;
        var system = SystemFlags.None;
        system |= flags.HasFlag(ImapFlags.Seen) ? SystemFlags.Seen : SystemFlags.None;
        system |= flags.HasFlag(ImapFlags.Answered) ? SystemFlags.Answered : SystemFlags.None;
        system |= flags.HasFlag(ImapFlags.Flagged) ? SystemFlags.Flagged : SystemFlags.None;
        system |= flags.HasFlag(ImapFlags.Deleted) ? SystemFlags.Deleted : SystemFlags.None;
        system |= flags.HasFlag(ImapFlags.Draft) ? SystemFlags.Draft : SystemFlags.None;
        return new MessageFlags(system, summary.Keywords.Where(ArchiveKeywords.IsValid).ToHashSet(StringComparer.OrdinalIgnoreCase));
    }
}
