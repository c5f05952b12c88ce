using System.CommandLine;

namespace MailCloud.Cli.Commands;

/// <summary><c>mailcloud alias add|list|remove</c>.</summary>
internal static class AliasCommands
{
    public static Command Create()
    {
        var command = new Command("alias", "Manage aliases: addresses that forward to other local or remote addresses.");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Remove());
        return command;
    }

    private static Command Add()
    {
        var address = new Argument<string>("address") { Description = "The alias address, in a hosted domain." };
        var targets = new Argument<string[]>("target") { Description = "Where mail goes: existing local entries or remote addresses.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("add", "Create an alias.") { address, targets };
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var alias = result.GetRequiredValue(address);
            var to = result.GetRequiredValue(targets);
            await directory.AddAliasAsync(alias, to, ct);
            await output.WriteLineAsync($"Added alias {alias} → {string.Join(", ", to)}.");
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List aliases, one per line: address, then its targets.");
        command.SetDirectoryAction(async (directory, _, output, ct) =>
        {
            var snapshot = await directory.GetSnapshotAsync(ct);
            foreach (var alias in snapshot.Aliases)
            {
                await output.WriteLineAsync($"{alias.Address}\t→ {string.Join(", ", alias.Targets)}");
            }
        });
        return command;
    }

    private static Command Remove()
    {
        var address = new Argument<string>("address") { Description = "The alias to delete." };
        var command = new Command("remove", "Delete an alias.") { address };
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            await directory.RemoveAliasAsync(result.GetRequiredValue(address), ct);
            await output.WriteLineAsync($"Removed alias {result.GetRequiredValue(address)}.");
        });
        return command;
    }
}
