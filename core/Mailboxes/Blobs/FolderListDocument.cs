using System.Collections.Immutable;
using MailCloud.Core.Mailboxes.Naming;

namespace MailCloud.Core.Mailboxes.Blobs;

/// <summary>One folder in <c>folders.json</c>: its name maps to a generated id, which is what blob paths use.</summary>
internal sealed record FolderEntry(string Name, string FolderId, uint UidValidity, SpecialUse SpecialUse, bool Subscribed)
{
    public FolderInfo ToInfo() => new(Name, UidValidity, SpecialUse, Subscribed);
}

/// <summary>
/// <c>&lt;accountId&gt;/folders.json</c>: the account's folder list and the counter that hands out
/// UIDVALIDITY values. Every method is a pure transformation; the catalog applies them by CAS.
/// </summary>
internal sealed record FolderListDocument(uint NextUidValidity, ImmutableList<FolderEntry> Folders)
{
    private static readonly (string Name, SpecialUse Use)[] DefaultFolders =
    [
        (FolderName.Inbox, SpecialUse.Inbox),
        ("Sent", SpecialUse.Sent),
        ("Drafts", SpecialUse.Drafts),
        ("Trash", SpecialUse.Trash),
        ("Junk", SpecialUse.Junk),
        ("Archive", SpecialUse.Archive),
    ];

    /// <summary>
    /// A new account's list. UIDVALIDITY starts from the clock (as Dovecot does), so an account
    /// whose list was ever lost and recreated can never reuse an old UIDVALIDITY.
    /// </summary>
    public static FolderListDocument CreateDefault(DateTimeOffset now)
    {
        var document = new FolderListDocument((uint)Math.Clamp(now.ToUnixTimeSeconds(), 1, uint.MaxValue / 2), []);
        foreach (var (name, use) in DefaultFolders)
        {
            document = document.AddOne(name, use, subscribed: true);
        }

        return document;
    }

    public FolderEntry? Find(string normalizedName) => Folders.Find(f => f.Name == normalizedName);

    public FolderEntry Get(string normalizedName) => Find(normalizedName) ?? throw new FolderNotFoundException(normalizedName);

    /// <summary>Adds a folder with a fresh id and UIDVALIDITY, and any missing superiors (RFC 9051 §6.3.4).</summary>
    public FolderListDocument Add(string normalizedName, SpecialUse specialUse = SpecialUse.None)
    {
        if (Find(normalizedName) is not null)
        {
            throw new FolderAlreadyExistsException(normalizedName);
        }

        var document = this;
        foreach (var superior in FolderName.Superiors(normalizedName))
        {
            if (document.Find(superior) is null)
            {
                document = document.AddOne(superior, SpecialUse.None, subscribed: false);
            }
        }

        return document.AddOne(normalizedName, specialUse, subscribed: false);
    }

    /// <summary>
    /// RFC 9051 §6.3.6. A folder and its inferiors take the new name, keeping ids and UIDVALIDITY
    /// (their UIDs stay valid). Renaming INBOX instead moves its messages: the new name takes
    /// INBOX's id, and INBOX starts over empty with a new id and UIDVALIDITY; INBOX's inferiors stay.
    /// </summary>
    public FolderListDocument Rename(string oldName, string newName)
    {
        var source = Get(oldName);
        if (Find(newName) is not null)
        {
            throw new FolderAlreadyExistsException(newName);
        }

        if (!FolderName.IsInbox(oldName) && FolderName.IsSameOrBelow(newName, oldName))
        {
            throw new InvalidFolderNameException(newName, $"it lies inside '{oldName}', the folder being renamed");
        }

        var document = this;
        foreach (var superior in FolderName.Superiors(newName))
        {
            if (document.Find(superior) is null)
            {
                document = document.AddOne(superior, SpecialUse.None, subscribed: false);
            }
        }

        if (FolderName.IsInbox(oldName))
        {
            var freshInbox = source with { FolderId = NewFolderId(), UidValidity = document.NextUidValidity };
            return document with
            {
                NextUidValidity = document.NextUidValidity + 1,
                Folders = document.Folders.Replace(source, freshInbox).Add(source with { Name = newName, SpecialUse = SpecialUse.None }),
            };
        }

        return document with
        {
            Folders = document.Folders.ConvertAll(f => FolderName.IsSameOrBelow(f.Name, oldName)
                ? f with { Name = newName + f.Name[oldName.Length..] }
                : f),
        };
    }

    /// <summary>RFC 9051 §6.3.5: removes one folder (inferiors stay); INBOX cannot be deleted.</summary>
    public FolderListDocument Remove(string normalizedName)
    {
        if (FolderName.IsInbox(normalizedName))
        {
            throw new FolderOperationNotAllowedException(normalizedName, "INBOX cannot be deleted");
        }

        return this with { Folders = Folders.Remove(Get(normalizedName)) };
    }

    public FolderListDocument SetSubscribed(string normalizedName, bool subscribed)
    {
        var entry = Get(normalizedName);
        return entry.Subscribed == subscribed ? this : this with { Folders = Folders.Replace(entry, entry with { Subscribed = subscribed }) };
    }

    private FolderListDocument AddOne(string name, SpecialUse specialUse, bool subscribed) => this with
    {
        NextUidValidity = NextUidValidity + 1,
        Folders = Folders.Add(new FolderEntry(name, NewFolderId(), NextUidValidity, specialUse, subscribed)),
    };

    private static string NewFolderId() => Guid.NewGuid().ToString("N");
}
