using System.CommandLine;

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
    ];
}
