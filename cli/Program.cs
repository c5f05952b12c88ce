using System.CommandLine;
using MailCloud.Cli.Commands;

var root = new RootCommand("MailCloud: a serverless mail system on Azure. Local mode runs on Azurite.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
