using System.CommandLine;
using MailCloud.Core.Directory;

namespace MailCloud.Cli.Commands;

/// <summary>
/// <c>mailcloud list [add|remove]</c>: distribution lists. <c>mailcloud list</c> alone prints them:
/// System.CommandLine 2.0.0 cannot give a command a subcommand of its own name (both go into one
/// token table), so <c>list list</c> is not possible.
/// </summary>
internal static class ListCommands
{
    public static Command Create()
    {
        var command = new Command("list", "Manage distribution lists: addresses that expand to their members. Without a subcommand, print the lists one per line: address, posting policy, members.");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(ListSettingsCommand.Create());
        command.Subcommands.Add(ListMembershipCommands.Members());
        command.Subcommands.Add(ListMembershipCommands.Owners());
        command.Subcommands.Add(ListModerateCommand.Create());
        command.SetDirectoryAction(PrintListsAsync);
        return command;
    }

    private static Command Add()
    {
        var address = new Argument<string>("address") { Description = "The list address, in a hosted domain." };
        var members = new Option<string[]>("--member") { Description = "A member (repeat for more): an existing local entry or a remote address.", Required = true, AllowMultipleArgumentsPerToken = true };
        var policy = new Option<PostingPolicy>("--policy") { Description = "Who may post: anyone, members, senders (those given with --sender), or moderated (every post but the owners' waits for an owner).", DefaultValueFactory = _ => PostingPolicy.Anyone };
        var senders = new Option<string[]>("--sender") { Description = "An allowed sender under --policy senders (repeat for more).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("add", "Create a distribution list.") { address, members, policy, senders };
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var list = result.GetRequiredValue(address);
            var memberList = result.GetRequiredValue(members);
            await directory.AddListAsync(list, memberList, result.GetValue(policy), result.GetValue(senders) ?? [], ct);
            await output.WriteLineAsync($"Added list {list} with {memberList.Length} member(s).");
        });
        return command;
    }

    private static async Task PrintListsAsync(IMailDirectory directory, ParseResult result, TextWriter output, CancellationToken ct)
    {
        var snapshot = await directory.GetSnapshotAsync(ct);
        foreach (var list in snapshot.Lists)
        {
            var policy = list.Policy.ToString().ToLowerInvariant();
            if (list.Policy == PostingPolicy.Senders)
            {
                policy += $" ({string.Join(", ", list.AllowedSenders)})";
            }

            await output.WriteLineAsync($"{list.Address}\tpolicy={policy}\tmembers: {string.Join(", ", list.Members)}");
        }
    }

    private static Command Remove()
    {
        var address = new Argument<string>("address") { Description = "The list to delete." };
        var command = new Command("remove", "Delete a distribution list.") { address };
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            await directory.RemoveListAsync(result.GetRequiredValue(address), ct);
            await output.WriteLineAsync($"Removed list {result.GetRequiredValue(address)}.");
        });
        return command;
    }
}
