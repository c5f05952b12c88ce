using System.CommandLine;
using Azure;
using MailCloud.Cli.Local;
using MailCloud.Core.Directory;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Cli.Commands;

/// <summary>
/// Runs a directory admin command against the storage <see cref="StorageSession"/> picks, and turns
/// a refused change into one line on stderr and exit code 1.
/// </summary>
internal static class DirectoryAction
{
    public const int Refused = 1;

    public delegate Task Body(IMailDirectory directory, ParseResult parseResult, TextWriter output, CancellationToken cancellationToken);

    public static void SetDirectoryAction(this Command command, Body body) =>
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                await using var session = await StorageSession.OpenAsync(cancellationToken).ConfigureAwait(false);
                var directory = session.Services.GetRequiredService<IMailDirectory>();
                await body(directory, parseResult, parseResult.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is DirectoryException or DirectoryConflictException or InvalidDataException)
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
}
