using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline.Bounce;
using MailCloud.Core.Queueing;

namespace MailCloud.Core.Pipeline.Route;

/// <summary>
/// Expands envelope recipients through aliases, distribution lists and catch-alls into the
/// mailboxes and remote addresses that receive the message. Loop-safe: an address already on
/// the current expansion path is not expanded again, and nesting stops at a depth limit.
/// Each mailbox and remote address appears once, whatever number of paths lead to it.
/// </summary>
public sealed class RecipientExpander(SenderRewritingScheme srs)
{
    public RecipientExpansion Expand(DirectorySnapshot directory, MessageEnvelope envelope, int maxDepth)
    {
        var run = new Run(directory, srs, envelope.MailFrom, Poster(envelope), envelope.ApprovedForList, maxDepth);
        foreach (var recipient in envelope.Recipients)
        {
            run.ExpandTopLevel(recipient);
        }

        return new RecipientExpansion(run.Local, run.Remote, run.Failures) { ListControl = run.ListControl, Held = run.Held };
    }

    /// <summary>
    /// Who a list judges as the poster, never MAIL FROM on its word alone: for mail a user submitted,
    /// MAIL FROM (submission refused it unless the user owns it); for mail that arrived at the MX, the
    /// From address when DMARC passed (its domain aligned with an authenticated SPF or DKIM identity,
    /// RFC 7489 §3.1), else no one; for envelopes queued before the verdict travelled, MAIL FROM as then.
    /// </summary>
    private static string Poster(MessageEnvelope envelope) =>
        envelope.ReceivedFrom.AuthenticatedUser is not null || envelope.Authentication is null
            ? envelope.MailFrom
            : envelope.Authentication is { Dmarc: "pass", Author: { } author } ? author : "";

    /// <summary>The state of one expansion: results so far and the addresses already taken.</summary>
    private sealed class Run(DirectorySnapshot directory, SenderRewritingScheme srs, string mailFrom, string poster, string? approvedForList, int maxDepth)
    {
        private readonly HashSet<string> _accounts = new(StringComparer.Ordinal);
        private readonly HashSet<string> _remotes = new(StringComparer.Ordinal);

        public List<LocalDelivery> Local { get; } = [];
        public List<RemoteDelivery> Remote { get; } = [];
        public List<RecipientFailure> Failures { get; } = [];
        public List<ListControlDelivery> ListControl { get; } = [];
        public List<HeldPostRequest> Held { get; } = [];

        private EnvelopeRecipient _current = null!;
        private bool _reachedTarget;
        private bool _failed;
        private bool _looped;

        public void ExpandTopLevel(EnvelopeRecipient recipient)
        {
            (_current, _reachedTarget, _failed, _looped) = (recipient, false, false, false);
            if (!EmailAddress.TryParse(recipient.Address, out var address))
            {
                Fail("5.1.3", $"550 5.1.3 <{recipient.Address}>: bad recipient address syntax");
                return;
            }

            Expand(address, depth: 0, path: [], forwardingDomain: null, viaList: null);
            if (!_reachedTarget && !_failed && _looped)
            {
                // RFC 5321 §6.3 / RFC 3463 X.4.6: every path led back to itself.
                Fail("5.4.6", $"554 5.4.6 <{recipient.Address}>: alias loop; no final recipient");
            }
        }

        private void Expand(EmailAddress address, int depth, HashSet<string> path, string? forwardingDomain, DistributionList? viaList)
        {
            if (depth > maxDepth || !path.Add(address.Key))
            {
                _looped = true;
                return;
            }

            try
            {
                ExpandAddress(address, depth, path, forwardingDomain, viaList);
            }
            finally
            {
                path.Remove(address.Key);
            }
        }

        private void ExpandAddress(EmailAddress address, int depth, HashSet<string> path, string? forwardingDomain, DistributionList? viaList)
        {
            if (directory.IsHostedDomain(address.Domain) && srs.TryReverse(address.ToString(), out var original) && EmailAddress.TryParse(original, out var originalAddress))
            {
                // A bounce to a sender we rewrote when forwarding: back to the real sender.
                AddRemote(originalAddress, forwardingDomain: null, viaList);
                return;
            }

            var resolution = directory.Resolve(address.ToString());
            switch (resolution.Kind)
            {
                case RecipientKind.Remote:
                    AddRemote(address, forwardingDomain, viaList);
                    break;

                case RecipientKind.Account when resolution.Account is { } account:
                    if (!account.Enabled)
                    {
                        Fail("5.2.1", $"550 5.2.1 <{address}>: mailbox disabled");
                    }
                    else
                    {
                        AddLocal(account, viaList);
                    }

                    break;

                case RecipientKind.Alias when resolution.Alias is { } alias:
                    ExpandTargets(alias.Targets, depth, path, address.Domain, viaList);
                    break;

                case RecipientKind.List when resolution.List is { } list:
                    // A post an owner released goes out as if the policy allowed it.
                    var approved = IsApproved(list);
                    if (!approved && HoldReason(list) is { } reason)
                    {
                        _reachedTarget = true;
                        Held.Add(new HeldPostRequest(list, _current, poster, reason));
                    }
                    else if (!approved && !MayPost(list))
                    {
                        Fail("5.7.1", $"550 5.7.1 <{address}>: {Describe(poster, mailFrom)} is not allowed to post to this list");
                    }
                    else
                    {
                        // Disabled members (bounces, or an owner) stay subscribed but receive nothing.
                        ExpandTargets(list.Members.Where(m => !list.IsDisabled(m)), depth, path, address.Domain, viaList ?? list);
                    }

                    break;

                case RecipientKind.ListControl when resolution is { List: { } controlled, ListControl: { } control }:
                    _reachedTarget = true;
                    if (!ListControl.Any(c => c.List.Address == controlled.Address && c.Control == control))
                    {
                        ListControl.Add(new ListControlDelivery(controlled, control, _current));
                    }

                    break;

                case RecipientKind.CatchAll when resolution.CatchAllTarget is { } target:
                    ExpandTargets([target], depth, path, address.Domain, viaList);
                    break;

                default:
                    Fail("5.1.1", $"550 5.1.1 <{address}>: no such user");
                    break;
            }
        }

        private void ExpandTargets(IEnumerable<string> targets, int depth, HashSet<string> path, string domain, DistributionList? viaList)
        {
            foreach (var target in targets)
            {
                if (EmailAddress.TryParse(target, out var next))
                {
                    Expand(next, depth + 1, path, domain, viaList);
                }
            }
        }

        /// <summary>
        /// Why a post to <paramref name="list"/> waits for an owner, or null: a moderated list holds every post
        /// but its owners'; a policy the poster does not meet holds it when the list holds such posts.
        /// </summary>
        private string? HoldReason(DistributionList list)
        {
            if (list.Policy == PostingPolicy.Moderated)
            {
                return EmailAddress.TryParse(poster, out var sender) && list.IsOwner(sender.ToString()) ? null : "the list is moderated";
            }

            return list.Settings.NonMemberPosts == NonMemberPosts.Hold && !MayPost(list)
                ? $"{Describe(poster, mailFrom)} is not allowed to post to this list"
                : null;
        }

        private bool IsApproved(DistributionList list) =>
            EmailAddress.TryParse(approvedForList, out var approved) && approved.Key == EmailAddress.Parse(list.Address).Key;

        private bool MayPost(DistributionList list)
        {
            if (list.Policy is PostingPolicy.Anyone)
            {
                return true;
            }

            if (list.Policy is PostingPolicy.Moderated)
            {
                return EmailAddress.TryParse(poster, out var owner) && list.IsOwner(owner.ToString());
            }

            if (!EmailAddress.TryParse(poster, out var sender))
            {
                return false;
            }

            var allowed = list.Policy == PostingPolicy.Members ? list.Members : list.AllowedSenders;
            return allowed.Any(a => EmailAddress.TryParse(a, out var candidate) && candidate.Key == sender.Key);
        }

        private void AddLocal(Account account, DistributionList? viaList)
        {
            _reachedTarget = true;
            if (_accounts.Add(account.Id))
            {
                Local.Add(new LocalDelivery(account, Final(account.Address), viaList));
            }
        }

        private void AddRemote(EmailAddress address, string? forwardingDomain, DistributionList? viaList)
        {
            _reachedTarget = true;
            if (_remotes.Add(address.Key))
            {
                Remote.Add(new RemoteDelivery(address, Final(address.ToString()), forwardingDomain, viaList));
            }
        }

        /// <summary>One failure per envelope recipient: that is what the sender knows and what the DSN reports.</summary>
        private void Fail(string status, string diagnostic)
        {
            if (_failed)
            {
                return;
            }

            _failed = true;
            Failures.Add(new RecipientFailure(_current, status, diagnostic));
        }

        // RFC 3461 §4.2: the original recipient travels with each expanded address for DSNs.
        private EnvelopeRecipient Final(string address) => _current with
        {
            Address = address,
            OriginalRecipient = _current.OriginalRecipient ?? $"rfc822;{_current.Address}",
        };

        private static string Describe(string poster, string mailFrom) =>
            poster.Length > 0 ? $"<{poster}>" : mailFrom.Length == 0 ? "the null sender" : $"<{mailFrom}>, which no DMARC pass vouches for,";
    }
}
