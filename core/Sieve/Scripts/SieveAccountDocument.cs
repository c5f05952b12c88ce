using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailCloud.Core.Sieve.Scripts;

/// <summary>
/// All of one account's scripts as stored: one JSON blob <c>accounts/&lt;account id&gt;.json</c>. One document
/// because an account holds a few small scripts (limits: <see cref="SieveScriptOptions"/>), and one ETag then
/// guards every change: the count limit, "not the active one", a rename and the active pointer are checked and
/// changed together, so concurrent writers can never leave two actives, a dangling active or one script too many.
/// </summary>
internal sealed record SieveAccountDocument(int Schema, string? Active, IReadOnlyList<StoredSieveScript> Scripts)
{
    public const int CurrentSchema = 1;

    public static readonly SieveAccountDocument Empty = new(CurrentSchema, null, []);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public StoredSieveScript? Find(string name) => Scripts.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    public BinaryData Serialize() => BinaryData.FromObjectAsJson(this, Json);

    /// <exception cref="InvalidDataException">The blob is not a script document this version understands.</exception>
    public static SieveAccountDocument Deserialize(BinaryData content)
    {
        SieveAccountDocument? document;
        try
        {
            document = content.ToObjectFromJson<SieveAccountDocument>(Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"A stored Sieve document is not valid JSON: {e.Message}", e);
        }

        if (document is null || document.Schema != CurrentSchema)
        {
            throw new InvalidDataException($"A stored Sieve document has schema {document?.Schema}; this version reads schema {CurrentSchema}.");
        }

        return document with { Scripts = document.Scripts ?? [] };
    }
}

/// <summary>One script, with the version it last replaced (<see cref="Previous"/>, null when never replaced).</summary>
internal sealed record StoredSieveScript(string Name, string Content, string? Previous, DateTimeOffset ModifiedAt);
