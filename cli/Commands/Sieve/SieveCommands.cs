using System.CommandLine;
using System.Text;
using MailCloud.Core.Sieve;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Cli.Commands.Sieve;

/// <summary>
/// <c>mailcloud sieve list|get|put|activate|check|delete &lt;account&gt;</c>: an account's Sieve scripts, for
/// administrators (users manage their own over ManageSieve). A script that does not compile is never stored.
/// </summary>
internal static class SieveCommands
{
    public static Command Create()
    {
        var command = new Command("sieve", "Manage an account's Sieve filter scripts (RFC 5228): upload, check, activate.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Get());
        command.Subcommands.Add(Put());
        command.Subcommands.Add(Activate());
        command.Subcommands.Add(Check());
        command.Subcommands.Add(Delete());
        return command;
    }

    private static Argument<string> AccountArgument() => new("account") { Description = "The account's address." };

    private static Argument<string> NameArgument(string description) => new("name") { Description = description };

    private static Command List()
    {
        var account = AccountArgument();
        var command = new Command("list", "List the account's scripts, one per line; the active one is marked.") { account };
        command.SetStorageAction(async (services, result, output, ct) =>
        {
            var id = (await AccountLookup.FindAsync(services, result.GetRequiredValue(account), ct)).Id;
            foreach (var entry in await services.GetRequiredService<ISieveScriptStore>().ListAsync(id, ct))
            {
                await output.WriteLineAsync(entry.Active ? $"{entry.Name}\tactive" : entry.Name);
            }
        });
        return command;
    }

    private static Command Get()
    {
        var account = AccountArgument();
        var name = NameArgument("The script to print.");
        var command = new Command("get", "Print a script.") { account, name };
        command.SetStorageAction(async (services, result, output, ct) =>
        {
            var id = (await AccountLookup.FindAsync(services, result.GetRequiredValue(account), ct)).Id;
            var script = await services.GetRequiredService<ISieveScriptStore>().GetAsync(id, result.GetRequiredValue(name), ct)
                ?? throw new SieveScriptRefusedException(SieveRefusal.NonExistent, $"No script '{result.GetRequiredValue(name)}'.");
            await output.WriteAsync(script.Content);
        });
        return command;
    }

    private static Command Put()
    {
        var account = AccountArgument();
        var name = NameArgument("The script's name (created, or replaced keeping the previous version).");
        var file = new Argument<FileInfo?>("file") { Description = "The script (UTF-8); standard input when absent.", Arity = ArgumentArity.ZeroOrOne };
        var activate = new Option<bool>("--activate") { Description = "Also make it the active script." };
        var command = new Command("put", "Upload a script after checking that it compiles.") { account, name, file, activate };
        command.SetStorageAction(async (services, result, output, ct) =>
        {
            var id = (await AccountLookup.FindAsync(services, result.GetRequiredValue(account), ct)).Id;
            var scriptName = result.GetRequiredValue(name);
            var content = await ReadScriptAsync(result.GetValue(file), ct);
            RequireCompiles(services, scriptName, content);
            var store = services.GetRequiredService<ISieveScriptStore>();
            await store.PutAsync(id, scriptName, content, ct);
            if (result.GetValue(activate))
            {
                await store.SetActiveAsync(id, scriptName, ct);
            }

            await output.WriteLineAsync($"Stored script {scriptName}{(result.GetValue(activate) ? " (active)" : "")}.");
        });
        return command;
    }

    private static Command Activate()
    {
        var account = AccountArgument();
        var name = new Argument<string?>("name") { Description = "The script to run on every delivery.", Arity = ArgumentArity.ZeroOrOne };
        var none = new Option<bool>("--none") { Description = "Deactivate: no script runs, every message is kept." };
        var command = new Command("activate", "Make a script the active one, or none with --none (RFC 5804 §2.8).") { account, name, none };
        command.SetStorageAction(async (services, result, output, ct) =>
        {
            var scriptName = result.GetValue(name);
            if (result.GetValue(none) == scriptName is not null)
            {
                throw new InvalidDataException("Name a script, or give --none.");
            }

            var id = (await AccountLookup.FindAsync(services, result.GetRequiredValue(account), ct)).Id;
            await services.GetRequiredService<ISieveScriptStore>().SetActiveAsync(id, scriptName, ct);
            await output.WriteLineAsync(scriptName is null ? "No script is active." : $"Script {scriptName} is active.");
        });
        return command;
    }

    private static Command Check()
    {
        var account = AccountArgument();
        var file = new Argument<FileInfo?>("file") { Description = "A script to check; without it, every script the account has.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("check", "Check that a script compiles, without storing it; or check the account's stored scripts.") { account, file };
        command.SetStorageAction(async (services, result, output, ct) =>
        {
            var id = (await AccountLookup.FindAsync(services, result.GetRequiredValue(account), ct)).Id;
            if (result.GetValue(file) is { } path)
            {
                RequireCompiles(services, path.Name, await ReadScriptAsync(path, ct));
                await output.WriteLineAsync($"{path.Name}: compiles.");
                return;
            }

            // A stored script was checked when it was uploaded; this finds those a newer server no longer accepts.
            var store = services.GetRequiredService<ISieveScriptStore>();
            var broken = new List<string>();
            foreach (var entry in await store.ListAsync(id, ct))
            {
                var script = await store.GetAsync(id, entry.Name, ct);
                var error = script is null ? null : services.GetRequiredService<ISieveScriptChecker>().Check(script.Content);
                await output.WriteLineAsync(error is null ? $"{entry.Name}: compiles." : $"{entry.Name}: {error}");
                if (error is not null)
                {
                    broken.Add(entry.Name);
                }
            }

            if (broken.Count > 0)
            {
                throw new InvalidDataException($"{broken.Count} script(s) do not compile: {string.Join(", ", broken)}.");
            }
        });
        return command;
    }

    private static Command Delete()
    {
        var account = AccountArgument();
        var name = NameArgument("The script to delete (not the active one).");
        var command = new Command("delete", "Delete a script; the active one must be deactivated first (RFC 5804 §2.10).") { account, name };
        command.SetStorageAction(async (services, result, output, ct) =>
        {
            var id = (await AccountLookup.FindAsync(services, result.GetRequiredValue(account), ct)).Id;
            await services.GetRequiredService<ISieveScriptStore>().DeleteAsync(id, result.GetRequiredValue(name), ct);
            await output.WriteLineAsync($"Deleted script {result.GetRequiredValue(name)}.");
        });
        return command;
    }

    private static void RequireCompiles(IServiceProvider services, string name, string content)
    {
        if (services.GetRequiredService<ISieveScriptChecker>().Check(content) is { } error)
        {
            throw new InvalidDataException($"{name}: {error}");
        }
    }

    private static async Task<string> ReadScriptAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        try
        {
            if (file is null)
            {
                using var reader = new StreamReader(Console.OpenStandardInput(), strict);
                return await reader.ReadToEndAsync(cancellationToken);
            }

            return await File.ReadAllTextAsync(file.FullName, strict, cancellationToken);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException("The script is not valid UTF-8 (RFC 5228 §2.2).");
        }
    }
}
