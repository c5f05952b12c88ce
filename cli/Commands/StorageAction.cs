using System.CommandLine;
using Azure;
using MailCloud.Cli.Local;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists.State;
using MailCloud.Core.Mailboxes;
using MailCloud.Core.Sieve;
using MailCloud.Core.Transfer;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Cli.Commands;

/// <summary>
/// Runs an admin command against the storage <see cref="StorageSession"/> picks, and turns a refused
/// change (or an unreadable file) into one line on stderr and exit code 1.
/// </summary>
internal static class StorageAction
{
    public const int Refused = 1;

    public delegate Task Body(IServiceProvider services, ParseResult parseResult, TextWriter output, CancellationToken cancellationToken);

    public delegate Task DirectoryBody(IMailDirectory directory, ParseResult parseResult, TextWriter output, CancellationToken cancellationToken);

    public static void SetStorageAction(this Command command, Body body) =>
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                await using var session = await StorageSession.OpenAsync(cancellationToken).ConfigureAwait(false);
                await body(session.Services, parseResult, parseResult.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is DirectoryException or DirectoryConflictException or InvalidDataException or MailboxException or ArchiveException or SieveScriptRefusedException or SieveScriptStoreUnavailableException or ListStateException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return Refused;
            }
            catch (RequestFailedException e)
            {
                await error.WriteLineAsync($"error: storage request failed ({e.Status} {e.ErrorCode}): {e.Message.Split('\n')[0]}").ConfigureAwait(false);
                return Refused;
            }
        });

    public static void SetDirectoryAction(this Command command, DirectoryBody body) =>
        command.SetStorageAction((services, parseResult, output, cancellationToken) =>
            body(services.GetRequiredService<IMailDirectory>(), parseResult, output, cancellationToken));
}
