using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MailCloud.Infra.Tests.Support;

/// <summary>
/// infra/main.bicep compiled once to ARM JSON, with the few lookups the drift checks need: the
/// template's literal variables, the modules' parameters, and the configuration keys written anywhere.
/// </summary>
public sealed partial class CompiledTemplate : IAsyncLifetime
{
    private JsonObject? _template;

    public JsonObject Template => _template ?? throw new InvalidOperationException("Not compiled yet.");

    public BicepCli.Result Build { get; private set; } = new(-1, "", "");

    public async Task InitializeAsync()
    {
        var output = Path.Combine(Path.GetTempPath(), $"mailcloud-main-{Guid.NewGuid():N}.json");
        try
        {
            Build = await BicepCli.RunAsync("build", InfraPaths.MainBicep, "--outfile", output);
            _template = File.Exists(output) ? JsonNode.Parse(await File.ReadAllTextAsync(output))!.AsObject() : null;
        }
        finally
        {
            File.Delete(output);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public JsonNode Variable(string name) =>
        Resolve(Template["variables"]?[name]) ?? throw new KeyNotFoundException($"main.bicep has no variable '{name}'.");

    /// <summary>A module's (nested deployment's) parameter value, with plain variable references resolved.</summary>
    public JsonNode? ModuleParameter(string module, string parameter) =>
        Resolve(Module(module)["properties"]?["parameters"]?[parameter]?["value"]);

    public JsonObject Module(string module) =>
        Template["resources"]?[module]?.AsObject() ?? throw new KeyNotFoundException($"main.bicep has no module '{module}'.");

    public JsonObject ModuleTemplate(string module) =>
        Module(module)["properties"]?["template"]?.AsObject() ?? throw new KeyNotFoundException($"Module '{module}' has no inline template.");

    /// <summary>
    /// Every configuration key (Section__Property...) the template sets, wherever it is written: literal
    /// keys and names, and quoted literals inside ARM expressions (createObject('Storage__BlobServiceUri', ...)).
    /// With each key, the literal value that follows it in the same expression, when there is one.
    /// </summary>
    public IReadOnlyList<ConfigurationKeyUse> ConfigurationKeys(JsonNode scope)
    {
        var uses = new List<ConfigurationKeyUse>();
        Collect(scope, uses);
        return uses;
    }

    private JsonNode? Resolve(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) && VariableReference().Match(text) is { Success: true } match =>
            match.Groups["member"].Success ? Variable(match.Groups["name"].Value)[match.Groups["member"].Value] : Variable(match.Groups["name"].Value),
        JsonArray array => new JsonArray(array.Select(item => Resolve(item)?.DeepClone()).ToArray()),
        _ => node,
    };

    private static void Collect(JsonNode? node, List<ConfigurationKeyUse> uses)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    if (WholeKey().IsMatch(key))
                    {
                        uses.Add(new ConfigurationKeyUse(key, child is JsonValue v && v.TryGetValue<string>(out var s) && !s.StartsWith('[') ? s : null));
                    }

                    Collect(child, uses);
                }

                if (obj["name"] is JsonValue name && name.TryGetValue<string>(out var named) && WholeKey().IsMatch(named))
                {
                    uses.Add(new ConfigurationKeyUse(named, obj["value"] is JsonValue value && value.TryGetValue<string>(out var literal) && !literal.StartsWith('[') ? literal : null));
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, uses);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.StartsWith('['):
                foreach (Match match in QuotedKey().Matches(text))
                {
                    uses.Add(new ConfigurationKeyUse(match.Groups["key"].Value, match.Groups["value"].Success ? match.Groups["value"].Value : null));
                }

                break;
        }
    }

    // Config keys as .NET reads them from environment variables: "__" separates sections. {0} is a format placeholder.
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]*(__([A-Za-z0-9]+|\{\d+\}))+$")]
    private static partial Regex WholeKey();

    [GeneratedRegex(@"'(?<key>[A-Za-z][A-Za-z0-9]*(?:__(?:[A-Za-z0-9]+|\{\d+\}))+)'(?:,\s*'(?<value>[^']*)')?")]
    private static partial Regex QuotedKey();

    [GeneratedRegex(@"^\[variables\('(?<name>[^']+)'\)(?:\.(?<member>\w+))?\]$")]
    private static partial Regex VariableReference();
}

public sealed record ConfigurationKeyUse(string Key, string? LiteralValue);
