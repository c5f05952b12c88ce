using System.CommandLine;

namespace MailCloud.Cli.Commands;

/// <summary>domain, account, alias and list: the directory's admin commands (one file each under Directory/).</summary>
public static class DirectoryCommands
{
    public static IEnumerable<Command> Create() =>
    [
        DomainCommands.Create(),
        AccountCommands.Create(),
        AliasCommands.Create(),
        ListCommands.Create(),
    ];
}
