using System.CommandLine;
using System.Globalization;
using MailCloud.Core.Directory;
using MailCloud.Core.Lists.Moderation;
using MailCloud.Core.Lists.State;
using Microsoft.Extensions.DependencyInjection;

namespace MailCloud.Cli.Commands;

/// <summary>
/// <c>mailcloud list moderate &lt;list&gt; [approve|discard &lt;id&gt;]</c>: a list's held posts, for owners without
/// mail (or lists without owners). It decides as a reply to the owners' notice does: an approved post is queued on
/// "inbound" for the pipeline (a running <c>mailcloud dev</c>, or the Functions app) to distribute once; a discarded
/// one is deleted and its poster told.
/// </summary>
internal static class ListModerateCommand
{
    public static Command Create()
    {
        var list = new Argument<string>("list") { Description = "The list whose held posts to show or decide on." };
        var action = new Argument<string?>("action") { Description = "approve or discard; without it, the held posts are printed.", Arity = ArgumentArity.ZeroOrOne };
        action.AcceptOnlyFromAmong("approve", "discard");
        var id = new Argument<string?>("id") { Description = "The held post (its id as printed).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("moderate", "Show a list's held posts (id, held at, poster, subject, why), or approve or discard one.") { list, action, id };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(action) is null) != (result.GetValue(id) is null))
            {
                result.AddError("approve and discard need the id of a held post.");
            }
        });
        command.SetStorageAction(async (services, result, output, ct) =>
        {
            var address = result.GetRequiredValue(list);
            var moderator = services.GetRequiredService<HeldPostModerator>();
            if ((await services.GetRequiredService<IMailDirectory>().GetSnapshotAsync(ct)).FindList(address) is not { } found)
            {
                throw new DirectoryException($"No list {address}.");
            }

            if (result.GetValue(action) is not { } decision)
            {
                foreach (var post in await moderator.ListAsync(found.Address, ct))
                {
                    await output.WriteLineAsync(string.Join('\t', post.Id, post.HeldAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture), post.Poster.Length > 0 ? post.Poster : "<>", post.Subject, post.Reason));
                }

                return;
            }

            var heldId = result.GetRequiredValue(id)!;
            var outcome = decision == "approve"
                ? await moderator.ApproveAsync(found.Address, heldId, ct)
                : await moderator.DiscardAsync(found.Address, heldId, ct);
            await output.WriteLineAsync(outcome switch
            {
                ModerationResult.Approved => $"Approved {heldId}: queued for distribution to {found.Address}.",
                ModerationResult.Discarded => $"Discarded {heldId}.",
                ModerationResult.DecidedOtherwise => throw new ListStateException($"Held post {heldId} was already decided the other way."),
                _ => throw new ListStateException($"No held post {heldId} on {found.Address} (already decided, or expired)."),
            });
        });
        return command;
    }
}
