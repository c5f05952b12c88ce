using System.CommandLine;
using MailCloud.Cli.Commands.Sieve;

namespace MailCloud.Cli.Commands;

/// <summary>Every top-level command of the mailcloud executable.</summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All() =>
    [
        DevCommand.Create(),
        GatewayCommand.Create(),
        PipelineCommand.Create(),
        DnsCommand.Create(),
        QueueCommands.Create(),
        CertificateCommands.Create(),
        .. DirectoryCommands.Create(),
        ExportCommand.Create(),
        ImportCommand.Create(),
        SieveCommands.Create(),
    ];
}
