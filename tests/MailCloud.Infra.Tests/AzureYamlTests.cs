using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MailCloud.Infra.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace MailCloud.Infra.Tests;

/// <summary>azure.yaml (azd cannot run here) points at real projects, files and parameters.</summary>
public sealed partial class AzureYamlTests(CompiledTemplate template) : IClassFixture<CompiledTemplate>
{
    private static readonly YamlMappingNode Root = Load();

    [Fact]
    public void Infra_IsTheBicepInInfra()
    {
        var infra = Map(Root, "infra");

        Assert.Equal("bicep", Scalar(infra, "provider"));
        Assert.True(File.Exists(InfraPaths.InRepository(Scalar(infra, "path"), Scalar(infra, "module") + ".bicep")));
        Assert.True(File.Exists(InfraPaths.InRepository(Scalar(infra, "path"), Scalar(infra, "module") + ".parameters.json")));
    }

    [Fact]
    public void Services_AreTheFunctionApp_TheGatewayShipsFromThePostdeployHook()
    {
        // azd has no Azure Container Instances host: the gateway is built and rolled out by a project hook.
        var services = Map(Root, "services");

        Assert.Equal(["functions"], services.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.Equal("function", Scalar(Map(services, "functions"), "host"));
        Assert.Equal("dotnet", Scalar(Map(services, "functions"), "language"));
    }

    [Fact]
    public void GatewayPostdeployHooks_BuildTheImage_RecordIt_AndProvisionWithIt()
    {
        var imageVariable = ParameterVariable("gatewayImage");
        Assert.Equal("GATEWAY_IMAGE", imageVariable);

        // azd runs project hooks in the project's root.
        foreach (var text in HookScripts(Map(Map(Root, "hooks"), "postdeploy"), InfraPaths.RepositoryRoot))
        {
            Assert.Contains("az acr build", text, StringComparison.Ordinal);
            Assert.Contains("--file gateway/Dockerfile .", text, StringComparison.Ordinal);
            Assert.Contains($"azd env set {imageVariable}", text, StringComparison.Ordinal);
            Assert.Contains("azd provision", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FunctionsProject_IsTheFunctionsCsproj_WithTheServiceBusSwitch()
    {
        var project = ProjectDirectory("functions");
        var csproj = Assert.Single(Directory.GetFiles(project, "*.csproj"));

        Assert.Contains("UseRealServiceBusExtension", File.ReadAllText(csproj), StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionsPrepackageHooks_ExistAndCheckTheSwitch()
    {
        // azd runs service hooks in the service's project directory.
        var prepackage = Map(Map(Map(Map(Root, "services"), "functions"), "hooks"), "prepackage");

        Assert.All(HookScripts(prepackage, ProjectDirectory("functions")), text => Assert.Contains("UseRealServiceBusExtension", text, StringComparison.Ordinal));
    }

    [Fact]
    public void PreprovisionHooks_GiveANewResourceGroupANewKeyVaultSuffix()
    {
        var suffixVariable = ParameterVariable("keyVaultSuffix");
        Assert.Equal("KEY_VAULT_SUFFIX", suffixVariable);

        foreach (var text in HookScripts(Map(Map(Root, "hooks"), "preprovision"), InfraPaths.RepositoryRoot))
        {
            Assert.Contains("az group exists --name \"rg-$", text, StringComparison.Ordinal);
            Assert.Contains($"azd env set {suffixVariable}", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void GatewayDockerfile_BuildsFromTheRepositoryRoot_AndCopiesOnlyWhatExists()
    {
        var context = InfraPaths.RepositoryRoot;
        var text = File.ReadAllText(InfraPaths.GatewayDockerfile);
        var sources = CopyFromContext().Matches(text)
            .SelectMany(m => m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            .ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, source => Assert.True(Path.Exists(Path.Combine(context, source)), $"COPY source '{source}' is not in the build context."));
        Assert.Contains("cli/MailCloud.Cli.csproj", text, StringComparison.Ordinal);
        Assert.Matches(@"ENTRYPOINT \[""dotnet"", ""mailcloud.dll"", ""gateway""\]", text);
        Assert.Matches(@"(?m)^USER ", text);
    }

    [Fact]
    public void ParametersFile_CoversEveryRequiredBicepParameter_AndNothingUnknown()
    {
        var infra = Map(Root, "infra");
        var parametersFile = InfraPaths.InRepository(Scalar(infra, "path"), Scalar(infra, "module") + ".parameters.json");
        var supplied = JsonNode.Parse(File.ReadAllText(parametersFile))!["parameters"]!.AsObject().Select(p => p.Key).ToHashSet();
        var declared = MainBicepParameters();

        Assert.Empty(supplied.Except(declared.Keys));
        Assert.Empty(declared.Where(p => p.Value && !supplied.Contains(p.Key)).Select(p => p.Key));
    }

    /// <summary>main.bicep's parameters: name -> required (no default value).</summary>
    private Dictionary<string, bool> MainBicepParameters() =>
        template.Template["parameters"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!["defaultValue"] is null);

    /// <summary>The posix and windows scripts of a hook (run from <paramref name="directory"/>), checked to exist (and be executable): their texts.</summary>
    private static IEnumerable<string> HookScripts(YamlMappingNode hook, string directory)
    {
        foreach (var platform in new[] { "posix", "windows" })
        {
            var script = Path.GetFullPath(Path.Combine(directory, Scalar(Map(hook, platform), "run")));
            Assert.True(File.Exists(script), script);
            if (platform == "posix" && !OperatingSystem.IsWindows())
            {
                Assert.True(File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute), $"{script} is not executable.");
            }

            yield return File.ReadAllText(script);
        }
    }

    /// <summary>The azd environment variable main.parameters.json gives a parameter ("${NAME=default}" or "${NAME}").</summary>
    private static string ParameterVariable(string parameter)
    {
        var parameters = JsonNode.Parse(File.ReadAllText(InfraPaths.InRepository("infra", "main.parameters.json")))!["parameters"]!;
        return ParameterReference().Match((string)parameters[parameter]!["value"]!).Groups["name"].Value;
    }

    [GeneratedRegex(@"^\$\{(?<name>[A-Z0-9_]+)(=[^}]*)?\}$")]
    private static partial Regex ParameterReference();

    private static string ProjectDirectory(string service)
    {
        var directory = InfraPaths.InRepository(Scalar(Map(Map(Root, "services"), service), "project"));
        Assert.True(Directory.Exists(directory), directory);
        return directory;
    }

    private static YamlMappingNode Load()
    {
        using var reader = new StreamReader(InfraPaths.InRepository("azure.yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlMappingNode map
            ? map
            : throw new Xunit.Sdk.XunitException($"azure.yaml: '{key}' is missing or not a mapping.");

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var child) && child is YamlScalarNode { Value: { } value }
            ? value
            : throw new Xunit.Sdk.XunitException($"azure.yaml: '{key}' is missing or not a scalar.");

    // COPY lines without --from: their sources come from the build context.
    [GeneratedRegex(@"(?m)^COPY (?!--from)(?<args>[^\r\n]+)$")]
    private static partial Regex CopyFromContext();
}
