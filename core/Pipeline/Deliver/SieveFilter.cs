using System.Collections.Concurrent;
using MailCloud.Core.Directory;
using MailCloud.Core.Diagnostics;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Mailboxes.Naming;
using MailCloud.Core.Queueing;
using MailCloud.Core.Sieve;
using MailCloud.Core.Sieve.Actions;
using MailCloud.Core.Spool;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Pipeline.Deliver;

/// <summary>
/// Runs an account's active Sieve script on a delivery and carries out what it decided. The active script
/// (or its absence) is cached per account for <see cref="SieveOptions.ScriptCacheTtl"/>, so a delivery to an
/// account without a script costs no storage request most of the time; a newly activated or changed
/// script applies to mail delivered after the entry expires.
/// </summary>
public sealed partial class SieveFilter(
    ISieveScriptSource scripts,
    ISieveInterpreter interpreter,
    SieveActionExecutor executor,
    ISpool spool,
    IMailboxStore mailboxes,
    IOptions<SieveOptions> options,
    TimeProvider time,
    ILogger<SieveFilter> logger)
{
    private readonly ConcurrentDictionary<string, (SieveScript? Script, DateTimeOffset Until)> _active = new(StringComparer.Ordinal);

    /// <summary>Filters the delivery through the active script; false (nothing done) when the account has none.</summary>
    /// <exception cref="MailboxQuotaExceededException">The account is full: the caller bounces.</exception>
    public async Task<bool> TryDeliverAsync(MessageEnvelope envelope, Account account, DirectorySnapshot directory, SpoolHead? head, CancellationToken cancellationToken)
    {
        var script = await GetActiveAsync(account.Id, cancellationToken).ConfigureAwait(false);
        if (script is null)
        {
            return false;
        }

        using var activity = MailCloudTelemetry.Source.StartActivity("sieve.run");
        activity?.SetTag("mailcloud.sieve.script", script.Name);
        head ??= await spool.ReadHeadAsync(envelope.SpoolBlob, SpoolReading.HeadBytes, cancellationToken).ConfigureAwait(false);
        var content = head;
        var message = new SieveMessage(
            account.Id,
            account.Address,
            envelope.MailFrom,
            envelope.Recipients[0].Address,
            head.Size,
            envelope.ReceivedAt,
            // Most mail fits in the head already read: the script then reads no more from storage.
            async ct => content.IsWhole
                ? new MemoryStream(content.Bytes.ToArray(), writable: false)
                : await spool.OpenReadAsync(envelope.SpoolBlob, ct).ConfigureAwait(false),
            (folder, ct) => FolderExistsAsync(account.Id, folder, ct));
        SieveResult result;
        try
        {
            result = await interpreter.RunAsync(script, message, cancellationToken).ConfigureAwait(false);
        }
        catch (SieveRuntimeException e)
        {
            // RFC 5228 §2.10.6: a script that fails keeps the message.
            LogScriptFailed(e, envelope.MessageId, account.Id, script.Name);
            result = new SieveResult([new FileAction(MailboxDelivery.Folder, new HashSet<string>())]);
        }

        await executor.ExecuteAsync(new SieveDelivery(envelope, account, directory, head), result, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> FolderExistsAsync(string accountId, string folder, CancellationToken cancellationToken)
    {
        string name;
        try
        {
            name = FolderName.Normalize(folder);
        }
        catch (InvalidFolderNameException)
        {
            return false;
        }

        var folders = await mailboxes.ListFoldersAsync(accountId, cancellationToken).ConfigureAwait(false);
        return folders.Any(f => string.Equals(f.Name, name, StringComparison.Ordinal));
    }

    private async Task<SieveScript?> GetActiveAsync(string accountId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_active.TryGetValue(accountId, out var cached) && cached.Until > now)
        {
            return cached.Script;
        }

        var script = await scripts.GetActiveAsync(accountId, cancellationToken).ConfigureAwait(false);
        _active[accountId] = (script, now + options.Value.ScriptCacheTtl);
        return script;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sieve script {Script} of account {AccountId} failed on {MessageId}; the message is kept in INBOX")]
    private partial void LogScriptFailed(Exception exception, string messageId, string accountId, string script);
}
