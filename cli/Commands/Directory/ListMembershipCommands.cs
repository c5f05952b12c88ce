using System.CommandLine;
using System.Globalization;
using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists.Bounces;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Cli.Commands;

/// <summary>
/// <c>mailcloud list members &lt;list&gt; [add|remove|disable|enable &lt;address&gt;]</c> and
/// <c>mailcloud list owners &lt;list&gt; [add|remove &lt;address&gt;]</c>: without an action, print one entry per line.
/// The action is an argument, not a subcommand, so the list comes first as it does everywhere else.
/// </summary>
internal static class ListMembershipCommands
{
    public static Command Members()
    {
        var (list, action, address, command) = Shape("members", "Show a list's members and their state (enabled, or disabled since when and why, with the bounce score), or change one.", "add", "remove", "disable", "enable");
        command.SetStorageAction(async (services, result, output, ct) =>
        {
            var directory = services.GetRequiredService<IMailDirectory>();
            var bounces = services.GetRequiredService<ListBounceStore>();
            var listAddress = result.GetRequiredValue(list);
            if (result.GetValue(action) is not { } verb)
            {
                var shown = await FindAsync(directory, listAddress, ct);
                var records = (await bounces.ListAsync(shown.Address, ct)).ToDictionary(r => EmailAddress.Parse(r.Member).Key, StringComparer.Ordinal);
                foreach (var member in shown.Members)
                {
                    await output.WriteLineAsync(DescribeMember(shown, member, records.GetValueOrDefault(EmailAddress.Parse(member).Key)));
                }

                return;
            }

            var target = result.GetRequiredValue(address)!;
            var key = EmailAddress.TryParse(target, out var parsed) ? parsed.Key : throw new DirectoryException($"Invalid address: {target}.");
            await directory.UpdateListAsync(listAddress, current => verb switch
            {
                "add" when current.HasMember(target) => throw new DirectoryException($"{target} is already a member of {current.Address}."),
                "add" => current with { Members = [.. current.Members, target] },
                _ when !current.HasMember(target) => throw new DirectoryException($"{target} is not a member of {current.Address}."),
                "remove" => current with { Members = [.. current.Members.Where(m => EmailAddress.Parse(m).Key != key)] },
                "disable" when current.IsDisabled(target) => current,
                "disable" => current with { Disabled = [.. current.Disabled, new DisabledMember(target, DateTimeOffset.UtcNow, DisabledReason.Owner)] },
                _ => current with { Disabled = [.. current.Disabled.Where(d => EmailAddress.Parse(d.Address).Key != key)] },
            }, ct);
            if (verb is "remove" or "enable")
            {
                // A member enabled again (or gone) starts with no bounces.
                await bounces.DeleteAsync(listAddress, target, ct);
            }

            await output.WriteLineAsync(verb switch
            {
                "add" => $"Added {target} to {listAddress}.",
                "remove" => $"Removed {target} from {listAddress}.",
                "disable" => $"Disabled {target} on {listAddress}: the list sends them nothing.",
                _ => $"Enabled {target} on {listAddress}.",
            });
        });
        return command;
    }

    public static Command Owners()
    {
        var (list, action, address, command) = Shape("owners", "Show a list's owners (they get its moderation and subscription notices at <list>-owner@), or add or remove one.", "add", "remove");
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var listAddress = result.GetRequiredValue(list);
            if (result.GetValue(action) is not { } verb)
            {
                foreach (var owner in (await FindAsync(directory, listAddress, ct)).Owners)
                {
                    await output.WriteLineAsync(owner);
                }

                return;
            }

            var target = result.GetRequiredValue(address)!;
            var key = EmailAddress.TryParse(target, out var parsed) ? parsed.Key : throw new DirectoryException($"Invalid address: {target}.");
            await directory.UpdateListAsync(listAddress, current => verb switch
            {
                "add" when current.IsOwner(target) => throw new DirectoryException($"{target} is already an owner of {current.Address}."),
                "add" => current with { Owners = [.. current.Owners, target] },
                _ when !current.IsOwner(target) => throw new DirectoryException($"{target} is not an owner of {current.Address}."),
                _ => current with { Owners = [.. current.Owners.Where(o => EmailAddress.Parse(o).Key != key)] },
            }, ct);
            await output.WriteLineAsync(verb == "add" ? $"{target} now owns {listAddress}." : $"{target} no longer owns {listAddress}.");
        });
        return command;
    }

    private static (Argument<string> List, Argument<string?> Action, Argument<string?> Address, Command Command) Shape(string name, string description, params string[] actions)
    {
        var list = new Argument<string>("list") { Description = "The list address." };
        var action = new Argument<string?>("action") { Description = $"One of: {string.Join(", ", actions)}.", Arity = ArgumentArity.ZeroOrOne };
        var address = new Argument<string?>("address") { Description = "The address the action is about.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command(name, description) { list, action, address };
        command.Validators.Add(result =>
        {
            // Checked here: AcceptOnlyFromAmong let an unknown action through in this shape (optional argument, then another).
            if (result.GetValue(action) is { } verb && !actions.Contains(verb, StringComparer.Ordinal))
            {
                result.AddError($"Unknown action '{verb}': give one of {string.Join(", ", actions)}.");
            }
            else if ((result.GetValue(action) is null) != (result.GetValue(address) is null))
            {
                result.AddError($"Give an action ({string.Join(", ", actions)}) and an address, or neither.");
            }
        });
        return (list, action, address, command);
    }

    private static async Task<DistributionList> FindAsync(IMailDirectory directory, string address, CancellationToken ct) =>
        (await directory.GetSnapshotAsync(ct)).FindList(address) ?? throw new DirectoryException($"There is no list {address}.");

    private static string DescribeMember(DistributionList list, string member, BounceRecord? bounces)
    {
        var key = EmailAddress.Parse(member).Key;
        var state = list.Disabled.FirstOrDefault(d => EmailAddress.Parse(d.Address).Key == key) is { } disabled
            ? $"disabled since {Date(disabled.Since)} ({disabled.Reason.ToString().ToLowerInvariant()})"
            : "enabled";
        return bounces is { Score: > 0, FirstBounce: { } first, LastBounce: { } last }
            ? $"{member}\t{state}\tbounces: {bounces.Score} post(s), {Date(first)} to {Date(last)}"
            : $"{member}\t{state}";
    }

    private static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
