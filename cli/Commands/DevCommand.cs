using System.CommandLine;

namespace MailCloud.Cli.Commands;

/// <summary><c>mailcloud dev</c>: Azurite, the gateway and the pipeline, all local, zero configuration.</summary>
public static class DevCommand
{
    public static Command Create()
    {
        var command = new Command("dev", "Start everything locally: Azurite, the gateway listeners and the pipeline stages.");
        return command;
    }
}
