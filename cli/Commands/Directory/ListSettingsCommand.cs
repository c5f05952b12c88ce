using System.CommandLine;
using MailCloud.Core.Directory;

namespace MailCloud.Cli.Commands;

/// <summary><c>mailcloud list settings &lt;list&gt; [options]</c>: how a list runs itself; without options, prints the settings.</summary>
internal static class ListSettingsCommand
{
    private static readonly (string Name, DmarcMitigation Value)[] DmarcNames =
        [("rewrite-from", DmarcMitigation.RewriteFrom), ("wrap", DmarcMitigation.Wrap), ("none", DmarcMitigation.None)];

    public static Command Create()
    {
        var list = new Argument<string>("list") { Description = "The list address." };
        var subscription = new Option<SubscriptionPolicy?>("--subscription") { Description = "Who may join by mail: closed (owners add members), confirm (double opt-in), approve (opt-in, then an owner approves)." };
        var nonMembers = new Option<NonMemberPosts?>("--non-member-posts") { Description = "A post the policy does not allow: hold (for an owner) or reject." };
        var dmarc = new Option<string?>("--dmarc") { Description = "A post from a p=reject/quarantine domain: rewrite-from, wrap, or none." };
        dmarc.AcceptOnlyFromAmong([.. DmarcNames.Select(d => d.Name)]);
        var tag = new Option<string?>("--subject-tag") { Description = "Prefixed to each post's Subject, e.g. \"[team]\"." };
        var noTag = new Option<bool>("--no-subject-tag") { Description = "No subject tag." };
        var footerFile = new Option<FileInfo?>("--footer-file") { Description = "A UTF-8 text file appended to each post." };
        var noFooter = new Option<bool>("--no-footer") { Description = "No footer." };
        var archive = new Option<string?>("--archive") { Description = "Keep posts in the list's archive folder (IMAP Lists/<list>): on or off." };
        archive.AcceptOnlyFromAmong("on", "off");
        var description = new Option<string?>("--description") { Description = "One line about the list (List-Id phrase, help and welcome messages)." };
        var policy = new Option<PostingPolicy?>("--policy") { Description = "Who may post: anyone, members, senders, or moderated (every post waits for an owner)." };
        var command = new Command("settings", "Show or change how a list runs itself; without options, print its settings.")
        {
            list, subscription, nonMembers, dmarc, tag, noTag, footerFile, noFooter, archive, description, policy,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(tag) is not null && result.GetValue(noTag))
            {
                result.AddError("Give either --subject-tag or --no-subject-tag.");
            }

            if (result.GetValue(footerFile) is not null && result.GetValue(noFooter))
            {
                result.AddError("Give either --footer-file or --no-footer.");
            }
        });
        command.SetDirectoryAction(async (directory, result, output, ct) =>
        {
            var address = result.GetRequiredValue(list);
            var footer = result.GetValue(footerFile) is { } file ? await File.ReadAllTextAsync(file.FullName, ct) : null;
            var changes = new List<Func<DistributionList, DistributionList>>();
            void Change(Func<ListSettings, ListSettings> change) => changes.Add(l => l with { Settings = change(l.Settings) });

            if (result.GetValue(subscription) is { } s) Change(x => x with { Subscription = s });
            if (result.GetValue(nonMembers) is { } n) Change(x => x with { NonMemberPosts = n });
            if (result.GetValue(dmarc) is { } d) Change(x => x with { DmarcMitigation = DmarcNames.Single(p => p.Name == d).Value });
            if (result.GetValue(tag) is { } t) Change(x => x with { SubjectTag = t });
            if (result.GetValue(noTag)) Change(x => x with { SubjectTag = null });
            if (footer is not null) Change(x => x with { Footer = footer });
            if (result.GetValue(noFooter)) Change(x => x with { Footer = null });
            if (result.GetValue(archive) is { } a) Change(x => x with { Archive = a == "on" });
            if (result.GetValue(description) is { } text) Change(x => x with { Description = text.Length == 0 ? null : text });
            if (result.GetValue(policy) is { } p) changes.Add(l => l with { Policy = p });

            var shown = changes.Count == 0
                ? (await directory.GetSnapshotAsync(ct)).FindList(address) ?? throw new DirectoryException($"There is no list {address}.")
                : await directory.UpdateListAsync(address, l => changes.Aggregate(l, (current, change) => change(current)), ct);
            foreach (var line in Describe(shown))
            {
                await output.WriteLineAsync(line);
            }
        });
        return command;
    }

    private static IEnumerable<string> Describe(DistributionList list)
    {
        var settings = list.Settings;
        yield return $"list\t{list.Address}";
        yield return $"policy\t{list.Policy.ToString().ToLowerInvariant()}";
        yield return $"subscription\t{settings.Subscription.ToString().ToLowerInvariant()}";
        yield return $"non-member-posts\t{settings.NonMemberPosts.ToString().ToLowerInvariant()}";
        yield return $"dmarc\t{DmarcNames.Single(d => d.Value == settings.DmarcMitigation).Name}";
        yield return $"subject-tag\t{settings.SubjectTag ?? "(none)"}";
        yield return $"footer\t{(settings.Footer is { } footer ? $"{footer.Length} characters" : "(none)")}";
        yield return $"archive\t{(settings.Archive ? "on" : "off")}";
        yield return $"description\t{settings.Description ?? "(none)"}";
        yield return $"owners\t{(list.Owners.Count == 0 ? "(none)" : string.Join(", ", list.Owners))}";
    }
}
