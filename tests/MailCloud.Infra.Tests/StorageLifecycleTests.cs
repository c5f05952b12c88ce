using System.Text.Json.Nodes;
using MailCloud.Core.Pipeline.State;
using MailCloud.Infra.Tests.Support;

namespace MailCloud.Infra.Tests;

/// <summary>
/// Delivered mail references its spool blob from mailbox rows for as long as the user keeps it, so
/// no storage lifecycle rule may delete spool messages by age: the provisioned rules reach the
/// pipeline's markers (spool "state/") only.
/// </summary>
public sealed class StorageLifecycleTests(CompiledTemplate template) : IClassFixture<CompiledTemplate>
{
    [Fact]
    public void LifecycleRules_ExpireOnlyPipelineMarkers()
    {
        var prefixes = PrefixMatches(template.Template).ToList();

        Assert.NotEmpty(prefixes);
        Assert.All(prefixes, prefix => Assert.Contains($"/{PipelineMarkers.Prefix}'", prefix, StringComparison.Ordinal));
    }

    private static IEnumerable<string> PrefixMatches(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => p.Key == "prefixMatch" && p.Value is JsonArray array
            ? array.Select(item => item?.ToString() ?? "")
            : PrefixMatches(p.Value)),
        JsonArray array => array.SelectMany(PrefixMatches),
        _ => [],
    };
}
