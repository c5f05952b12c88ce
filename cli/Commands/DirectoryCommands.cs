using System.CommandLine;

namespace MailCloud.Cli.Commands;

/// <summary>domain, account, alias and list: the directory's admin commands.</summary>
public static class DirectoryCommands
{
    public static IEnumerable<Command> Create() => [];
}
