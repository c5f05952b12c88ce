using MailCloud.Core.Addresses;
using MailCloud.Core.Directory;
using MailCloud.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace MailCloud.Core.Lists;

/// <summary>The links list mail carries: the one-click unsubscribe URL (RFC 8058) and its mailto twin (RFC 2369), the archive, the VERP sender.</summary>
public sealed class ListLinks(ListTokens tokens, IOptions<ListOptions> options, IOptions<PipelineOptions> pipeline)
{
    /// <summary>The path the HTTP surface answers one-click unsubscribes under: <c>/lists/unsubscribe/&lt;list&gt;/&lt;token&gt;</c>.</summary>
    public const string UnsubscribePath = "/lists/unsubscribe/";

    public string WebBaseUrl(DistributionList list) =>
        options.Value.WebBaseUrl?.TrimEnd('/') ?? $"https://autoconfig.{EmailAddress.Parse(list.Address).Domain}";

    public string UnsubscribeUrl(DistributionList list, string member) =>
        $"{WebBaseUrl(list)}{UnsubscribePath}{Uri.EscapeDataString(list.Address)}/{tokens.ForMember(ListTokenPurpose.Unsubscribe, list.Address, member)}";

    public string UnsubscribeMailto(DistributionList list, string member) =>
        $"mailto:{ListAddresses.Format(list.Address, ListCommand.Unsubscribe, tokens.ForMember(ListTokenPurpose.Unsubscribe, list.Address, member))}";

    /// <summary>RFC 2369 List-Archive: the archive folder as an IMAP URL (RFC 5092) on the mail host.</summary>
    public string ArchiveUrl(DistributionList list) =>
        $"imap://{pipeline.Value.HostName}/{Uri.EscapeDataString(ListArchive.ImapNameFor(list.Address)).Replace("%2F", "/", StringComparison.Ordinal)}";

    /// <summary>The VERP envelope sender for list mail to <paramref name="member"/>.</summary>
    public string BounceAddress(DistributionList list, string member) =>
        ListAddresses.Format(list.Address, ListCommand.Bounces, tokens.ForMember(ListTokenPurpose.Bounce, list.Address, member));
}
