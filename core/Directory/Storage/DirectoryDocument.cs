using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailCloud.Core.Directory.Storage;

/// <summary>
/// The whole directory as stored: one JSON blob. One document because the directory is small
/// (a handful to a few thousand entries for the teams MailCloud serves), and one read then gives
/// a consistent snapshot: the checks that span entries (duplicates, alias and list loops, dangling
/// targets) see every entry at one version, and one ETag guards every change.
/// </summary>
internal sealed record DirectoryDocument(
    int Schema,
    IReadOnlyList<HostedDomain> Domains,
    IReadOnlyList<Account> Accounts,
    IReadOnlyList<Alias> Aliases,
    IReadOnlyList<DistributionList> Lists)
{
    public const int CurrentSchema = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public static DirectoryDocument From(DirectorySnapshot snapshot) =>
        new(CurrentSchema, snapshot.Domains, snapshot.Accounts, snapshot.Aliases, snapshot.Lists);

    public DirectorySnapshot ToSnapshot(string version) => new(version, Domains, Accounts, Aliases, Lists);

    public BinaryData Serialize() => BinaryData.FromObjectAsJson(this, Json);

    /// <exception cref="InvalidDataException">The blob is not a directory document this version understands.</exception>
    public static DirectoryDocument Deserialize(BinaryData content)
    {
        DirectoryDocument? document;
        try
        {
            document = content.ToObjectFromJson<DirectoryDocument>(Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The stored directory is not valid JSON: {e.Message}", e);
        }

        if (document is null || document.Schema != CurrentSchema)
        {
            throw new InvalidDataException($"The stored directory has schema {document?.Schema}; this version reads schema {CurrentSchema}.");
        }

        return document with
        {
            Domains = document.Domains ?? [],
            Accounts = document.Accounts ?? [],
            Aliases = document.Aliases ?? [],
            Lists = document.Lists ?? [],
        };
    }
}
