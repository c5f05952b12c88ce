using Azure;
using Azure.Data.Tables;

namespace MailCloud.Core.Mailboxes.Tables;

/// <summary>
/// One subscribed name (<c>B:&lt;sha256(name)&gt;</c>), apart from the folder rows: a subscription names a
/// mailbox, which may not exist (deleted, or renamed away; RFC 9051 §6.3.7: the server does not remove
/// it), so LIST (SUBSCRIBED) can show it \NonExistent (RFC 5258 §3). It sorts inside the header range, so
/// the one query of the account and folder rows reads the subscriptions too.
/// <para>Before these rows a folder row carried a <c>Subscribed</c> flag. Such a flag still counts when
/// read, and the changes that would lose it (DELETE, RENAME, UNSUBSCRIBE) turn it into a row first, in
/// their own transaction (migration on write).</para>
/// </summary>
internal sealed record SubscriptionRow(string Name, ETag ETag)
{
    public static SubscriptionRow From(TableEntity entity) =>
        new(entity.GetString(nameof(Name)) ?? throw new InvalidDataException($"Subscription row {entity.RowKey} has no name."), entity.ETag);

    public static TableEntity ToEntity(string accountId, string name) =>
        new(accountId, MailboxKeys.Subscription(name)) { [nameof(Name)] = name };
}
