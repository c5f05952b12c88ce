using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailCloud.Core.Lists.Bounces;

/// <summary>One post of the list that bounced hard for a member, and when its bounce came.</summary>
public sealed record BouncedPost(string PostId, DateTimeOffset At);

/// <summary>
/// A member's hard bounces on one list: the distinct posts that bounced (a post that bounces twice counts
/// once) within the list's bounce memory. Stored as JSON in the lists container.
/// </summary>
public sealed record BounceRecord(string List, string Member, IReadOnlyList<BouncedPost> Posts)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The number of distinct posts that bounced: the bounce score.</summary>
    public int Score => Posts.Count;

    public DateTimeOffset? FirstBounce => Posts.Count == 0 ? null : Posts.Min(p => p.At);

    public DateTimeOffset? LastBounce => Posts.Count == 0 ? null : Posts.Max(p => p.At);

    /// <summary>This record with <paramref name="postId"/> added (once) and posts older than <paramref name="forgetBefore"/> dropped.</summary>
    public BounceRecord With(string postId, DateTimeOffset at, DateTimeOffset forgetBefore)
    {
        var kept = Posts.Where(p => p.At >= forgetBefore).ToList();
        if (!kept.Any(p => string.Equals(p.PostId, postId, StringComparison.Ordinal)))
        {
            kept.Add(new BouncedPost(postId, at));
        }

        return this with { Posts = kept };
    }

    public BinaryData Serialize() => BinaryData.FromObjectAsJson(this, Json);

    public static BounceRecord Deserialize(BinaryData data) =>
        data.ToObjectFromJson<BounceRecord>(Json) ?? throw new InvalidDataException("An empty bounce record.");
}
