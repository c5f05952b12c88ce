using System.CommandLine;
using MailCloud.Core.Directory;

namespace MailCloud.Cli.Commands;

/// <summary><c>mailcloud account add|list|remove|passwd|disable|enable</c>.</summary>
internal static class AccountCommands
{
    public static Command Create()
    {
        var command = new Command("account", "Manage mail accounts (mailboxes with a login).");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(Passwd());
        command.Subcommands.Add(SetEnabled("disable", enabled: false, "Refuse logins to an account (its mail is kept)."));
        command.Subcommands.Add(SetEnabled("enable", enabled: true, "Allow logins to a disabled account again."));
        return command;
    }

    private static Argument<string> AddressArgument() => new("address") { Description = "The account's address, e.g. alice@example.com." };

    private static Command Add()
    {
        var address = AddressArgument();
        var password = new PasswordInput();
        var quota = new Option<long?>("--quota")
        {
            Description = "Mailbox quota: 500MB, 1GB, 2GiB or plain bytes (default from Directory:DefaultQuotaBytes).",
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                if (ByteSize.TryParse(text, out var bytes))
                {
                    return bytes;
                }

                result.AddError($"'{text}' is not a size; use e.g. 500MB, 1GB, 2GiB or a number of bytes.");
                return null;
            },
        };
        var name = new Option<string>("--name") { Description = "The display name, e.g. \"Alice Example\"." };
        var command = new Command("add", "Create an account. Without a password option, a strong one is generated and printed once.") { address, quota, name };
        password.AddTo(command);
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var given = await password.ReadAsync(result, ct);
            var effective = given ?? PasswordInput.Generate();
            var account = await directory.AddAccountAsync(result.GetRequiredValue(address), effective, result.GetValue(name), result.GetValue(quota), ct);
            await output.WriteLineAsync($"Added account {account.Address} (id {account.Id}, quota {ByteSize.Format(account.QuotaBytes)}).");
            if (given is null)
            {
                await output.WriteLineAsync($"Generated password (shown only now): {effective}");
            }
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List accounts, one per line: address, state, quota, id, display name.");
        command.SetDirectoryAction(async (directory, _, output, ct) =>
        {
            var snapshot = await directory.GetSnapshotAsync(ct);
            foreach (var account in snapshot.Accounts)
            {
                var line = $"{account.Address}\t{(account.Enabled ? "enabled" : "disabled")}\t{ByteSize.Format(account.QuotaBytes)}\t{account.Id}";
                await output.WriteLineAsync(account.DisplayName is null ? line : $"{line}\t{account.DisplayName}");
            }
        });
        return command;
    }

    private static Command Remove()
    {
        var address = AddressArgument();
        var command = new Command("remove", "Delete an account from the directory (refused while an alias, list or catch-all points to it).") { address };
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            await directory.RemoveAccountAsync(result.GetRequiredValue(address), ct);
            await output.WriteLineAsync($"Removed account {result.GetRequiredValue(address)}.");
        });
        return command;
    }

    private static Command Passwd()
    {
        var address = AddressArgument();
        var password = new PasswordInput();
        var command = new Command("passwd", "Set an account's password. Without a password option, a strong one is generated and printed once.") { address };
        password.AddTo(command);
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var given = await password.ReadAsync(result, ct);
            var effective = given ?? PasswordInput.Generate();
            await directory.SetPasswordAsync(result.GetRequiredValue(address), effective, ct);
            await output.WriteLineAsync($"Changed the password of {result.GetRequiredValue(address)}.");
            if (given is null)
            {
                await output.WriteLineAsync($"Generated password (shown only now): {effective}");
            }
        });
        return command;
    }

    private static Command SetEnabled(string verb, bool enabled, string description)
    {
        var address = AddressArgument();
        var command = new Command(verb, description) { address };
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            await directory.SetAccountEnabledAsync(result.GetRequiredValue(address), enabled, ct);
            await output.WriteLineAsync($"{(enabled ? "Enabled" : "Disabled")} account {result.GetRequiredValue(address)}.");
        });
        return command;
    }
}
