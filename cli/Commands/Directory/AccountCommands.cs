using System.CommandLine;
using System.Globalization;
using MailCloud.Core.Directory;

namespace MailCloud.Cli.Commands;

/// <summary><c>mailcloud account add|list|remove|passwd|disable|enable|quota</c>.</summary>
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
        command.Subcommands.Add(Quota());
        return command;
    }

    private static Argument<string> AddressArgument() => new("address") { Description = "The account's address, e.g. alice@example.com." };

    private static Command Add()
    {
        var address = AddressArgument();
        var password = new PasswordInput();
        var quota = SizeOption("--quota", "Mailbox quota: 500MB, 1GB, 2GiB or plain bytes (default from Directory:DefaultQuotaBytes).");
        var name = new Option<string>("--name") { Description = "The display name, e.g. \"Alice Example\"." };
        var command = new Command("add", "Create an account. Without a password option, a strong one is generated and printed once.") { address, quota, name };
        password.AddTo(command);
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var given = await password.ReadAsync(result, ct);
            var effective = given ?? PasswordInput.Generate();
            var account = await directory.AddAccountAsync(result.GetRequiredValue(address), effective, result.GetValue(name), result.GetValue(quota), ct);
            await output.WriteLineAsync($"Added account {account.Address} (id {account.Id}, quota {FormatLimits(account)}).");
            if (given is null)
            {
                await output.WriteLineAsync($"Generated password (shown only now): {effective}");
            }
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List accounts, one per line: address, state, quota (bytes, and messages when limited), id, display name.");
        command.SetDirectoryAction(async (directory, _, output, ct) =>
        {
            var snapshot = await directory.GetSnapshotAsync(ct);
            foreach (var account in snapshot.Accounts)
            {
                var line = $"{account.Address}\t{(account.Enabled ? "enabled" : "disabled")}\t{FormatLimits(account)}\t{account.Id}";
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

    /// <summary>
    /// <c>account quota address [--storage size] [--messages n|none]</c>: changes the limits IMAP QUOTA reports
    /// (RFC 9208 STORAGE and MESSAGE) and every append, copy and delivery is held to. Without options it shows them.
    /// </summary>
    private static Command Quota()
    {
        var address = AddressArgument();
        var storage = SizeOption("--storage", "The mailbox's size limit: 500MB, 1GB, 2GiB or plain bytes.");
        var messages = new Option<MessageLimitInput?>("--messages")
        {
            Description = "The most messages the mailbox may hold over all folders, or 'none' for no limit.",
            CustomParser = result =>
            {
                var text = result.Tokens.Single().Value;
                if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
                {
                    return new MessageLimitInput(null);
                }

                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0)
                {
                    return new MessageLimitInput(limit);
                }

                result.AddError($"'{text}' is not a message limit; use a positive number or 'none'.");
                return null;
            },
        };
        var command = new Command("quota", "Show or set an account's limits: its size and, optionally, its number of messages.") { address, storage, messages };
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var name = result.GetRequiredValue(address);
            var newStorage = result.GetValue(storage);
            var newMessages = result.GetValue(messages);
            var account = newStorage is null && newMessages is null
                ? (await directory.GetSnapshotAsync(ct)).FindAccount(name) ?? throw new DirectoryException($"There is no account {name}.")
                : await directory.SetLimitsAsync(
                    name,
                    limits => new AccountLimits(newStorage ?? limits.QuotaBytes, newMessages is null ? limits.QuotaMessages : newMessages.Limit),
                    ct);
            await output.WriteLineAsync($"{account.Address}: quota {FormatLimits(account)}.");
        });
        return command;
    }

    private static Option<long?> SizeOption(string name, string description) => new(name)
    {
        Description = description,
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

    private static string FormatLimits(Account account) => account.QuotaMessages is { } messages
        ? string.Create(CultureInfo.InvariantCulture, $"{ByteSize.Format(account.QuotaBytes)}, {messages} messages")
        : ByteSize.Format(account.QuotaBytes);

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

/// <summary>A <c>--messages</c> value: a limit, or none (<see cref="Limit"/> null).</summary>
internal sealed record MessageLimitInput(long? Limit);
