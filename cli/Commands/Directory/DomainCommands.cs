using System.CommandLine;

namespace MailCloud.Cli.Commands;

/// <summary><c>mailcloud domain add|list|remove|catch-all</c>.</summary>
internal static class DomainCommands
{
    public static Command Create()
    {
        var command = new Command("domain", "Manage the domains this server hosts.");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(CatchAll());
        return command;
    }

    private static Command Add()
    {
        var domain = new Argument<string>("domain") { Description = "The domain name, e.g. example.com (IDN allowed)." };
        var catchAll = new Option<string>("--catch-all") { Description = "An address that receives mail for unknown local parts." };
        var command = new Command("add", "Host a new domain.") { domain, catchAll };
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var name = result.GetRequiredValue(domain);
            await directory.AddDomainAsync(name, result.GetValue(catchAll), ct);
            await output.WriteLineAsync($"Added domain {name}.");
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List hosted domains, one per line, with their catch-all.");
        command.SetDirectoryAction(async (directory, _, output, ct) =>
        {
            var snapshot = await directory.GetSnapshotAsync(ct);
            foreach (var domain in snapshot.Domains)
            {
                await output.WriteLineAsync(domain.CatchAll is null ? domain.Name : $"{domain.Name}\tcatch-all={domain.CatchAll}");
            }
        });
        return command;
    }

    private static Command Remove()
    {
        var domain = new Argument<string>("domain") { Description = "The domain to stop hosting." };
        var force = new Option<bool>("--force") { Description = "Also remove every account, alias and list in the domain." };
        var command = new Command("remove", "Stop hosting a domain (refused while it has entries, unless --force).") { domain, force };
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var name = result.GetRequiredValue(domain);
            await directory.RemoveDomainAsync(name, result.GetValue(force), ct);
            await output.WriteLineAsync($"Removed domain {name}.");
        });
        return command;
    }

    private static Command CatchAll()
    {
        var domain = new Argument<string>("domain") { Description = "A hosted domain." };
        var address = new Argument<string?>("address") { Description = "Where mail for unknown local parts goes.", Arity = ArgumentArity.ZeroOrOne };
        var none = new Option<bool>("--none") { Description = "Remove the catch-all: unknown local parts are refused." };
        var command = new Command("catch-all", "Set or remove a domain's catch-all address.") { domain, address, none };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(address) is null) == !result.GetValue(none))
            {
                result.AddError("Give either an address or --none.");
            }
        });
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var name = result.GetRequiredValue(domain);
            var target = result.GetValue(address);
            await directory.SetCatchAllAsync(name, target, ct);
            await output.WriteLineAsync(target is null ? $"Removed the catch-all of {name}." : $"Mail for unknown addresses at {name} now goes to {target}.");
        });
        return command;
    }
}
